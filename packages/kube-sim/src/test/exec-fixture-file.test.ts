import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startKubeSim, type KubeSim } from '../kube-sim.js';
import { RawExecClient } from './exec-client.js';
import { container, execPath, pod, startExecHarness, type ExecHarness, type ExecQuery } from './exec-harness.js';
import { rawHttps, wsHeaders } from './exec-raw-http.js';

const SUCCESS = '{"metadata":{},"status":"Success"}';
const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'example.yaml');

/**
 * What a fixture says about a container reaches the exec: the documented example file (`--config`)
 * end to end — env, HOSTNAME, working directory, light mode, RBAC with resourceNames — and one
 * working directory per container that persists across execs.
 */
describe('exec into pods from a fixture file (fixtures/example.yaml)', () => {
  let sim: KubeSim;
  const open = (podName: string, q: ExecQuery, token: string): RawExecClient =>
    new RawExecClient(sim.url.replace(/^https:/, 'wss:') + execPath('shop', podName, q), ['v5.channel.k8s.io'], {
      ca: sim.caCert,
      headers: { Authorization: `Bearer ${token}` },
    });
  before(async () => {
    sim = await startKubeSim({ fixtures: EXAMPLE });
  });
  after(() => sim.close());

  test('the container env from the file, HOSTNAME = pod name and the container working directory', async () => {
    const c = open(
      'api-0',
      { command: ['sh', '-c', 'echo "$SHOP_ENV|$HOSTNAME"; pwd'], container: 'api', stdout: true },
      'alice-token',
    );
    const r = await c.result();
    const [env, cwd] = r.stdout.split('\n');
    assert.equal(env, 'staging|api-0');
    assert.match(cwd ?? '', /\/shop\/api-0\/api$/);
    assert.deepEqual(r.statuses, [SUCCESS]);
  });

  test('a container marked `mode: light` in the file echoes and starts no OS process', async () => {
    const c = open('api-0', { command: ['sh'], container: 'metrics', stdin: true, stdout: true }, sim.adminToken);
    await c.opened;
    c.send(0, 'ping');
    await c.until(() => c.stdout() === 'ping', 10_000, 'light echo');
    const entry = sim.stats().processes.find((p) => p.container === 'metrics');
    assert.equal(entry?.pid, null);
    c.sendRaw([0xff, 0]);
    assert.deepEqual((await c.result()).statuses, [SUCCESS]);
  });

  test("the file's missingBinaries make minimal-0 a distroless container", async () => {
    const c = open('minimal-0', { command: ['sh', '-c', 'true'], stdout: true }, sim.adminToken);
    const s = JSON.parse((await c.result()).statuses[0] ?? '{}') as { reason?: string; message?: string };
    assert.equal(s.reason, 'InternalError');
    assert.match(s.message ?? '', /exec: "sh": executable file not found in \$PATH: unknown$/);
  });

  test("the file's Role with resourceNames: alice may exec into api-0 only", async () => {
    const r = await rawHttps(sim.url, sim.caCert, {
      method: 'GET',
      path: execPath('shop', 'minimal-0', { command: ['true'], stdout: true }),
      headers: wsHeaders('alice-token', 'v5.channel.k8s.io'),
    });
    assert.equal(r.status, 403);
    assert.equal(
      (JSON.parse(r.rest) as { message: string }).message,
      'pods "minimal-0" is forbidden: User "alice" cannot get resource "pods/exec" in API group "" in the namespace "shop"',
    );
  });
});

describe('per-container working directories', () => {
  let h: ExecHarness;
  before(async () => {
    h = await startExecHarness({
      pods: [pod('two', [container('a', { env: { WHO: 'a' } }), container('b', { env: { WHO: 'b' } })])],
    });
  });
  after(() => h.close());

  const run = async (c: string, script: string): Promise<string> =>
    (await h.open('two', { command: ['sh', '-c', script], container: c, stdout: true }).result()).stdout;

  test('each container has its own directory, and a file written there is still there at the next exec', async () => {
    assert.match(await run('a', 'echo "$WHO"; pwd; echo kept > marker'), /^a\n.*\/default\/two\/a\n$/);
    assert.match(await run('b', 'echo "$WHO"; pwd; ls'), /^b\n.*\/default\/two\/b\n$/, "b does not see a's file");
    assert.equal(await run('a', 'cat marker'), 'kept\n');
  });
});
