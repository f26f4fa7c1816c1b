import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import { mintToken } from '../auth/token-mint.js';
import { parseTenants } from '../tenants/tenants-file.js';
import { stringify } from 'yaml';
import { spawnBroker } from './broker-process.js';
import { TestClient } from './client.js';
import { simFixture, tenantDoc, TEST_ORIGIN } from './harness.js';

/** Threat 18: SIGTERM with 50 open sessions → 50 closing frames with 4503, readiness off, exit 0. */
describe('graceful drain of the real CLI process', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim({ fixtures: simFixture() });
  });
  after(async () => {
    await sim.close();
  });

  test('SIGTERM with 50 open sessions: 50 closing frames + 4503, listen socket closed, exit 0', async () => {
    const b = await spawnBroker(sim, { DRAIN_SECONDS: '10' });
    try {
      const tenant = parseTenants(stringify({ tenants: [tenantDoc()] }), { file: 't.yaml', baseDir: '/' })[0]!;
      const url = `ws://127.0.0.1:${b.port}/v1/session`;
      const open = async (i: number): Promise<TestClient> => {
        const token = mintToken({
          tenant,
          sub: `user-${i}`,
          target: { namespace: 'default', pod: i < 5 ? 'demo' : 'echo-0' },
          ttlSeconds: 600,
        });
        const c = await TestClient.connect(url, { token, origin: TEST_ORIGIN });
        await c.waitForControl('hello');
        return c;
      };
      const clients = await Promise.all(Array.from({ length: 50 }, (_, i) => open(i)));
      const ready = await fetch(`http://127.0.0.1:${b.port}/readyz`);
      assert.equal(ready.status, 200);
      assert.match(await ready.text(), /memory store: single replica/);
      const t0 = Date.now();
      b.child.kill('SIGTERM');
      const closes = await Promise.all(clients.map((c) => c.waitForClose(10_000)));
      const drainedLog = b.logs.find((l) => l['event'] === 'broker.draining');
      assert.equal(drainedLog?.['sessions'], 50, 'the broker drained 50 sessions');
      assert.deepEqual(
        closes.map((c) => c.code),
        Array(50).fill(4503),
      );
      assert.equal(clients.filter((c) => c.control('closing')?.code === 4503).length, 50, '50 closing frames');
      const exit = await b.exited;
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(Date.now() - t0 < 10_000, 'exited before DRAIN_SECONDS');
      // The listen socket is gone.
      await assert.rejects(fetch(`http://127.0.0.1:${b.port}/healthz`));
      const ends = b.logs.filter((l) => l['event'] === 'session.end' && l['closeReason'] === 'draining');
      assert.equal(ends.length, 50, 'one session.end (draining) per session');
      assert.ok(b.logs.some((l) => l['event'] === 'broker.stopped' && l['clean'] === true));
    } finally {
      if (b.child.exitCode === null) b.child.kill('SIGKILL');
      b.cleanup();
    }
  });
});
