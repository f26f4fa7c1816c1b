import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import { Profile } from 'pprof-format';
import { stringify } from 'yaml';
import { mintToken } from '../auth/token-mint.js';
import { parseTenants } from '../tenants/tenants-file.js';
import { spawnBroker, type BrokerProcess } from './broker-process.js';
import { TestClient, UpgradeRefused } from './client.js';
import { ADMIN_TOKEN, pollIdle, simFixture, tenantDoc, TEST_ORIGIN } from './harness.js';
import { processResources } from './harness-process.js';

/**
 * /debug/pprof/heap and /debug/pprof/profile serve real pprof protobuf: decoded here with
 * pprof-format, they name the broker's own functions (files under packages/broker/dist), and the
 * Go toolchain's `go tool pprof -top` reads both files (CI installs golang-go).
 */
const BROKER_DIST = /packages\/broker\/dist\//;

function functionsOf(gz: Buffer): { name: string; file: string }[] {
  const p = Profile.decode(gunzipSync(gz));
  const s = p.stringTable.strings;
  assert.ok(p.sample.length > 0, 'the profile has samples');
  return p.function.map((f) => ({ name: s[Number(f.name)] ?? '', file: s[Number(f.filename)] ?? '' }));
}

async function admin(b: BrokerProcess, path: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${b.adminPort}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
}

function goPprofTop(file: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'go',
      ['tool', 'pprof', '-top', '-nodecount=400', file],
      {
        env: { ...process.env, HOME: tmpdir(), GOCACHE: join(tmpdir(), 'go-cache-pprof-test'), GOTOOLCHAIN: 'local' },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        err
          ? reject(
              new Error(
                `go tool pprof -top ${file} failed (is golang-go installed? .ci/run installs it): ${stderr || err.message}`,
              ),
            )
          : resolve(stdout),
    ),
  );
}

describe('pprof endpoints of the real broker process', () => {
  let sim: KubeSim;
  let dir: string;
  before(async () => {
    sim = await startKubeSim({ fixtures: simFixture() });
    dir = mkdtempSync(join(tmpdir(), 'pod-shell-pprof-'));
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('heap and CPU profiles while 40 sessions type and resize: broker functions inside, go tool pprof reads them, gauges back to 0', async () => {
    const b = await spawnBroker(sim, { PPROF_HEAP_INTERVAL_BYTES: '4096' });
    try {
      const tenant = parseTenants(stringify({ tenants: [tenantDoc()] }), { file: 't.yaml', baseDir: '/' })[0]!;
      const url = `ws://127.0.0.1:${b.port}/v1/session`;
      const cpu = admin(b, '/debug/pprof/profile?seconds=3');
      const work = async (i: number): Promise<void> => {
        const token = mintToken({
          tenant,
          sub: `pprof-${i}`,
          target: { namespace: 'default', pod: 'echo-0' },
          ttlSeconds: 600,
        });
        for (let round = 0; round < 3; round++) {
          const c = await TestClient.connect(url, { token, origin: TEST_ORIGIN });
          await c.waitForControl('hello');
          for (let k = 0; k < 10; k++) {
            c.resize(80 + k, 24);
            c.stdin(`key-${k};`);
          }
          await c.waitForText('key-9;');
          await c.close();
        }
      };
      await Promise.all(Array.from({ length: 40 }, (_, i) => work(i)));
      const cpuRes = await cpu;
      assert.equal(cpuRes.status, 200);
      assert.equal(cpuRes.headers.get('content-type'), 'application/octet-stream');
      const cpuBuf = Buffer.from(await cpuRes.arrayBuffer());
      const heapRes = await admin(b, '/debug/pprof/heap');
      assert.equal(heapRes.status, 200);
      const heapBuf = Buffer.from(await heapRes.arrayBuffer());

      const cpuFns = functionsOf(cpuBuf).filter((f) => BROKER_DIST.test(f.file));
      const heapFns = functionsOf(heapBuf).filter((f) => BROKER_DIST.test(f.file));
      assert.ok(cpuFns.length > 0, 'the CPU profile names broker functions');
      assert.ok(heapFns.length > 0, 'the heap profile names broker allocation sites');

      const cpuFile = join(dir, 'cpu.pb.gz');
      const heapFile = join(dir, 'heap.pb.gz');
      writeFileSync(cpuFile, cpuBuf);
      writeFileSync(heapFile, heapBuf);
      const cpuTop = await goPprofTop(cpuFile);
      const heapTop = await goPprofTop(heapFile);
      assert.match(cpuTop, /flat%/);
      assert.match(heapTop, /flat%/);
      assert.ok(
        cpuFns.some((f) => f.name !== '' && cpuTop.includes(f.name)),
        'go tool pprof -top lists a broker function of the CPU profile',
      );
      assert.ok(
        heapFns.some((f) => f.name !== '' && heapTop.includes(f.name)),
        'go tool pprof -top lists a broker function of the heap profile',
      );

      // The V8 snapshot lives on at its own path.
      const snap = await admin(b, '/debug/heapsnapshot');
      assert.equal(snap.status, 200);
      assert.ok(((await snap.json()) as { snapshot: { node_count: number } }).snapshot.node_count > 1000);

      const metrics = await (await admin(b, '/metrics')).text();
      for (const g of [
        'podshell_sessions_active',
        'podshell_client_sockets',
        'podshell_upstream_sockets',
        'podshell_resize_handlers',
        'podshell_session_timers',
      ]) {
        assert.match(metrics, new RegExp(`^${g} 0$`, 'm'), `${g} back to 0`);
      }
    } finally {
      await b.stop();
    }
  });

  // uWS prints this to stderr whenever a response is written outside a corked callback (a write after an
  // await, say). The broker upgrades outside res.cork() on purpose (server/async-upgrade.ts: this uWS
  // build's cork reads freed memory after an asynchronous upgrade), which prints it once per upgrade;
  // nothing else may. stderr is one ordered pipe: once the final upgrade's line has arrived, any line an
  // earlier HTTP route caused has arrived too, so the count is exact without waiting on a timer.
  test('every admin and public HTTP route writes corked: the only uWS cork warning is the one per upgrade', async () => {
    const UNCORKED = /uWS\.HttpResponse writes must be made from within a corked callback/;
    const b = await spawnBroker(sim, { PPROF_HEAP_INTERVAL_BYTES: '4096' });
    try {
      const pub = (path: string): Promise<Response> => fetch(`http://127.0.0.1:${b.port}${path}`);
      const routes: [string, Promise<Response>, number][] = [
        ['/metrics', admin(b, '/metrics'), 200],
        ['/readyz (admin)', admin(b, '/readyz'), 200],
        ['/debug/sessions', admin(b, '/debug/sessions'), 200],
        ['/debug/resources', admin(b, '/debug/resources'), 200],
        ['/debug/pprof/heap', admin(b, '/debug/pprof/heap'), 200],
        ['/debug/pprof/profile', admin(b, '/debug/pprof/profile?seconds=1'), 200],
        ['/debug/cpuprofile', admin(b, '/debug/cpuprofile?seconds=1'), 200],
        ['/debug/cpuprofile bad seconds', admin(b, '/debug/cpuprofile?seconds=x'), 400],
        ['/debug/heapsnapshot', admin(b, '/debug/heapsnapshot'), 200],
        ['/admin/sessions', admin(b, '/admin/sessions'), 200],
        ['admin 404', admin(b, '/nope'), 404],
        ['admin 401', fetch(`http://127.0.0.1:${b.adminPort}/metrics`), 401],
        ['/healthz', pub('/healthz'), 200],
        ['/readyz', pub('/readyz'), 200],
        ['/pod-shell.js', pub('/pod-shell.js'), 200],
        ['tenant admin 401', pub('/v1/admin/sessions'), 401],
        ['public 404', pub('/nope'), 404],
      ];
      for (const [name, pending, status] of routes) {
        const res = await pending;
        await res.arrayBuffer(); // the whole body, so every write of a streamed route happened
        assert.equal(res.status, status, name);
      }
      const tenant = parseTenants(stringify({ tenants: [tenantDoc()] }), { file: 't.yaml', baseDir: '/' })[0]!;
      const token = mintToken({
        tenant,
        sub: 'corked',
        target: { namespace: 'default', pod: 'echo-0' },
        ttlSeconds: 600,
      });
      // A foreign origin is refused with HTTP 403 after the (asynchronous) authentication.
      await assert.rejects(
        TestClient.connect(`ws://127.0.0.1:${b.port}/v1/session`, { token, origin: 'https://evil.example' }),
        (err: unknown) => err instanceof UpgradeRefused && err.status === 403,
      );
      // Then one session: its upgrade prints the one expected line.
      const c = await TestClient.connect(`ws://127.0.0.1:${b.port}/v1/session`, { token, origin: TEST_ORIGIN });
      await c.waitForControl('hello');
      c.stdin('corked;');
      await c.waitForText('corked;');
      await c.close();
      assert.equal(
        await b.stderrMatches(UNCORKED, 1),
        1,
        `only the upgrade wrote uncorked; the broker's stderr:\n${b.stderr()}`,
      );
      await pollIdle(() => processResources(`http://127.0.0.1:${b.adminPort}`), 30_000);
    } finally {
      await b.stop();
    }
  });

  test('heap sampling off (PPROF_HEAP_INTERVAL_BYTES=0): 409 naming the setting', async () => {
    const b = await spawnBroker(sim, { PPROF_HEAP_INTERVAL_BYTES: '0' });
    try {
      const res = await admin(b, '/debug/pprof/heap');
      assert.equal(res.status, 409);
      assert.match(await res.text(), /PPROF_HEAP_INTERVAL_BYTES=0/);
    } finally {
      await b.stop();
    }
  });
});
