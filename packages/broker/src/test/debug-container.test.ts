import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { DEMO_TENANT_GROUP } from '@pod-shell/kube-sim';
import { EXEC_GROUP, startHarness, type Harness } from './harness.js';

/**
 * The debug-container fallback (issue 13 item 2) against kube-sim's team-a/distroless-0 (no shell):
 * allowed → the session lands in an ephemeral container whose `ps` sees the target's process, and the
 * shell ends with the session; disallowed → "No shell in this image"; RBAC decides creation; reuse.
 */

const IMAGE = `busybox@sha256:${'ab'.repeat(32)}`;
const DEBUG_POLICY = {
  enabled: true,
  images: [IMAGE],
  namespaces: ['team-a'],
  shareProcessNamespace: true,
  reuseRunning: true,
  startTimeoutSeconds: 10,
};

function tenant(name: string, groups: string[]): Record<string, unknown> {
  return {
    name,
    issuer: `https://${name}.example`,
    audience: 'pod-shell',
    keys: [{ kid: `${name}-1`, alg: 'HS256', secret: `${name}-secret-0123456789abcdef-0123456789abcdef` }],
    allowedOrigins: ['https://app.example.com'],
    namespaces: ['team-a'],
    identity: { user: `${name}:{sub}`, groups },
    endOrphanedShells: true,
    debugContainers: DEBUG_POLICY,
    limits: {
      maxConcurrentSessions: 100,
      maxSessionSeconds: 3600,
      idleTimeoutSeconds: 900,
      connectsPerMinute: 100000,
      resumeGraceSeconds: 60,
      resumeBufferBytes: 262144,
    },
  };
}

async function metric(h: Harness, outcome: string, tenantName: string): Promise<number> {
  const text = (await h.admin('/metrics')).text;
  const m = new RegExp(
    `^podshell_debug_containers_total\\{tenant="${tenantName}",outcome="${outcome}"\\} (\\d+)$`,
    'm',
  ).exec(text);
  return m === null ? 0 : Number(m[1]);
}

function targetPid(h: Harness): number {
  const main = h.sim.stats().processes.find((p) => p.pod === 'distroless-0' && p.container === 'app');
  assert.ok(main?.pid, 'the target container main process runs');
  return main.pid;
}

async function processGone(h: Harness, container: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (h.sim.stats().processes.some((p) => p.container === container)) {
    if (Date.now() > deadline) throw new Error(`the debug container ${container} still runs a process`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('debug-container fallback for an image without a shell', () => {
  let h: Harness;
  before(async () => {
    const fast = {
      ...tenant('dbg-fast', [DEMO_TENANT_GROUP]),
      debugContainers: { ...DEBUG_POLICY, startTimeoutSeconds: 1 },
    };
    h = await startHarness({ tenants: [tenant('dbg', [DEMO_TENANT_GROUP]), tenant('dbg-norbac', [EXEC_GROUP]), fast] });
  });
  afterEach(async () => {
    h.sim.setFaults({});
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  test('allowed: hello names the debug container, ps shows the target process, and the shell ends with the session', async () => {
    const created = await metric(h, 'created', 'dbg');
    const c = await h.connect({ tenant: 'dbg', namespace: 'team-a', pod: 'distroless-0' });
    const hello = await c.waitForControl('hello');
    const debug = hello.debugContainer;
    assert.ok(debug, 'hello says it is a debug container');
    assert.match(debug.name, /^pod-shell-debug-[0-9a-f]{10}-\d+$/);
    assert.deepEqual([debug.image, debug.targetContainer, debug.reused], [IMAGE, 'app', false]);
    assert.equal(hello.target.container, debug.name);
    c.stdin("echo \"PIDS=$(ps -e -o pid= | tr -s ' \\n' ',')=END\"\r");
    await c.waitForText(/PIDS=[0-9,]+=END/);
    const pids = /PIDS=([0-9,]+)=END/.exec(c.tail(100_000))![1]!.split(',');
    assert.ok(pids.includes(String(targetPid(h))), "the debug shell sees the target container's process");
    assert.equal(await metric(h, 'created', 'dbg'), created + 1);
    const audit = h.logs.filter((l) => l['event'] === 'debug_container.created');
    assert.equal(audit.at(-1)?.['container'], debug.name);
    // Closing without `exit`: stdinOnce ends the debug shell, nothing keeps running.
    await c.close();
    await processGone(h, debug.name);
  });

  test('a running debug container of the same owner is reused', async () => {
    const a = await h.connect({ tenant: 'dbg', sub: 'reuser', namespace: 'team-a', pod: 'distroless-0' });
    const first = (await a.waitForControl('hello')).debugContainer!;
    const b = await h.connect({ tenant: 'dbg', sub: 'reuser', namespace: 'team-a', pod: 'distroless-0' });
    const second = (await b.waitForControl('hello')).debugContainer!;
    assert.deepEqual([second.name, second.reused], [first.name, true]);
    assert.ok((await metric(h, 'reused', 'dbg')) >= 1);
    await b.close();
    await a.close();
    await processGone(h, first.name);
  });

  test('disallowed: the user is told there is no shell in this image', async () => {
    const c = await h.connect({ namespace: 'team-a', pod: 'distroless-0' });
    const close = await c.waitForClose();
    assert.equal(close.code, 4404);
    const closing = c.control('closing');
    assert.equal(closing?.reason, 'no_shell');
    assert.match(closing?.message ?? '', /^No shell in this image: /);
  });

  test('the cluster decides: an identity without patch on pods/ephemeralcontainers is refused with the apiserver message', async () => {
    const failed = await metric(h, 'failed', 'dbg-norbac');
    const c = await h.connect({ tenant: 'dbg-norbac', namespace: 'team-a', pod: 'distroless-0' });
    const close = await c.waitForClose();
    assert.equal(close.code, 4403);
    assert.match(
      c.control('closing')?.message ?? '',
      /^pods "distroless-0" is forbidden: User "dbg-norbac:alice" cannot patch resource "pods\/ephemeralcontainers" in API group "" in the namespace "team-a"$/,
    );
    assert.equal(await metric(h, 'failed', 'dbg-norbac'), failed + 1);
  });

  test('a debug container that does not start in time ends the session with a typed timeout', async () => {
    h.sim.setFaults({ ephemeralContainers: 'hold' });
    const c = await h.connect({ tenant: 'dbg-fast', namespace: 'team-a', pod: 'distroless-0' });
    const close = await c.waitForClose();
    assert.equal(close.code, 4500);
    const closing = c.control('closing');
    assert.equal(closing?.reason, 'debug_container_timeout');
    assert.match(
      closing?.message ?? '',
      /^the debug container pod-shell-debug-[0-9a-f]{10}-\d+ did not start within 1 s \(last state: ContainerCreating\)$/,
    );
  });

  test("an image that cannot be pulled ends the session with the runtime's reason", async () => {
    const failed = await metric(h, 'failed', 'dbg-fast');
    h.sim.setFaults({ ephemeralContainers: 'pull-error' });
    const c = await h.connect({ tenant: 'dbg-fast', sub: 'puller', namespace: 'team-a', pod: 'distroless-0' });
    const close = await c.waitForClose();
    assert.equal(close.code, 4500);
    assert.equal(c.control('closing')?.reason, 'debug_container_failed');
    assert.match(
      c.control('closing')?.message ?? '',
      /cannot start: ErrImagePull: failed to pull and unpack image "busybox@sha256:/,
    );
    assert.equal(await metric(h, 'failed', 'dbg-fast'), failed + 1);
  });
});
