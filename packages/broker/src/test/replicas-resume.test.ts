import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { CloseCode, resumeSubprotocol, POD_SHELL_BEARER_PREFIX, POD_SHELL_SUBPROTOCOL } from '@pod-shell/protocol';
import { REPLICA_CLIENT_IP_HEADER, REPLICA_LINK_HEADER, signReplicaLink } from '../server/replica-link-auth.js';
import { TestClient, UpgradeRefused } from './client.js';
import { TEST_ORIGIN, tenantDoc } from './harness.js';
import { until } from './redis-harness.js';
import { startReplicaCluster, type Replica, type ReplicaCluster } from './replicas-cluster.js';

const LINK_SECRET = 'replica-link-test-secret-0123456789abcdef';

/**
 * Resume through any replica (issue 12 d): three broker processes, one Redis, one kube-sim. A
 * client that loses its connection to the replica holding its shell comes back through another
 * one, which relays to the owner over an authenticated replica link.
 */
describe('resume through another replica', () => {
  let c: ReplicaCluster;
  let A: Replica, B: Replica, C: Replica;
  const open: TestClient[] = [];

  const connect = async (r: Replica, o: Parameters<ReplicaCluster['connect']>[1] = {}): Promise<TestClient> => {
    const client = await c.connect(r, o);
    open.push(client);
    return client;
  };
  const inGrace = async (r: Replica): Promise<number> => (await c.gauges(r))['podshell_sessions_in_grace']!;

  before(async () => {
    c = await startReplicaCluster({
      replicas: 3,
      env: { REPLICA_LINK_SECRET: LINK_SECRET },
      extraTenants: [tenantDoc({ name: 'brief', issuer: 'https://brief.example', limits: { resumeGraceSeconds: 1 } })],
    });
    [A, B, C] = c.replicas as [Replica, Replica, Replica];
    // Each replica listens before its Redis connection is ready; a connect before that fails closed (4503).
    for (const r of c.replicas) {
      const readyz = `${r.url.replace('ws:', 'http:').replace('/v1/session', '')}/readyz`;
      await until(async () => (await fetch(readyz)).status === 200, 10_000, `${r.id} ready`);
    }
  });
  afterEach(async () => {
    for (const t of open.splice(0)) if (t.closeEvent === null) t.destroy();
    await c.waitAllIdle(20_000);
  });
  after(async () => {
    if (c !== undefined) {
      const left = await c.close();
      assert.deepEqual(left, [], 'no registry key may outlive the cluster');
    }
  });

  it('drop the TCP connection to A mid `seq 1 100000`, resume through B: every byte exactly once, in order', async () => {
    const a = await connect(A, { resumable: true });
    const hello = await a.waitForControl('hello');
    a.autoAck();
    a.stdin('X=via-$((6*7)); seq 1 100000\r');
    await a.waitUntil(() => a.stdoutBytes > 100_000, 'output to be flowing', 20_000);
    a.destroy();
    await a.waitForClose();
    await until(async () => (await inGrace(A)) === 1, 10_000, 'the session in grace on A', 20);
    const offset = a.stdoutBytes;

    const b = await connect(B, { resume: { credential: hello.resume!.credential, offset } });
    const again = await b.waitForControl('hello');
    assert.equal(again.session, hello.session);
    assert.equal(again.resumed, true);
    assert.equal(again.offset, offset);
    assert.equal(again.skipped, 0);
    assert.equal((await c.gauges(B))['podshell_replica_links'], 1, 'B relays the client');
    assert.equal((await c.gauges(B))['podshell_sessions_active'], 0, 'B holds no session');
    // The replay may have arrived with hello, before acking was switched on: acknowledge it first.
    b.ack(b.stdoutBytes);
    b.autoAck();
    await b.waitForText('\r\n100000\r\n', 60_000);
    const all = Buffer.concat([a.stdout, b.stdout]).toString('utf8');
    const numbers = all.slice(all.indexOf('100000\r\n') + 8).match(/^\d+(?=\r$)/gm) ?? [];
    assert.equal(numbers.length >= 100_000, true, `saw ${numbers.length} numbers`);
    for (let i = 0; i < 100_000; i++) if (numbers[i] !== String(i + 1)) assert.fail(`line ${i + 1} is ${numbers[i]}`);
    // Input and output keep going through the relay, into the same shell.
    b.stdin('echo "[$X]"\r');
    await b.waitForText('[via-42]');
    await b.close();
  });

  it('a relayed client that drops again resumes through the third replica', async () => {
    const a = await connect(A, { resumable: true });
    const cred1 = (await a.waitForControl('hello')).resume!.credential;
    a.stdin('Y=hop\r');
    await a.waitForText(/Y=hop\r\n/);
    a.destroy();
    await until(async () => (await inGrace(A)) === 1, 10_000, 'grace on A', 20);
    const b = await connect(B, { resume: { credential: cred1, offset: a.stdoutBytes } });
    const cred2 = (await b.waitForControl('hello')).resume!.credential;
    b.destroy();
    await until(
      async () => (await inGrace(A)) === 1 && (await c.gauges(B))['podshell_replica_links'] === 0,
      10_000,
      'grace again',
      20,
    );
    const cc = await connect(C, { resume: { credential: cred2, offset: 0 } });
    await cc.waitForControl('hello');
    cc.stdin('echo "<$Y>"\r');
    await cc.waitForText('<hop>');
    await cc.close();
  });

  it('churn: 9 sessions over A, B, C dropped and resumed through the next replica twice, then closed: every gauge 0 everywhere', async () => {
    const rs = [A, B, C];
    const first = await Promise.all(Array.from({ length: 9 }, (_, i) => connect(rs[i % 3]!, { resumable: true })));
    let creds = await Promise.all(first.map(async (t) => (await t.waitForControl('hello')).resume!.credential));
    let offsets = first.map(() => 0);
    for (const t of first) t.destroy();
    const graceEverywhere = async (n: number): Promise<boolean> =>
      (await Promise.all(rs.map(inGrace))).reduce((a, b) => a + b, 0) === n;
    await until(() => graceEverywhere(9), 10_000, '9 sessions in grace', 20);
    for (let round = 1; round <= 2; round++) {
      const back = await Promise.all(
        creds.map((credential, i) => connect(rs[(i + round) % 3]!, { resume: { credential, offset: offsets[i]! } })),
      );
      const hellos = await Promise.all(back.map((t) => t.waitForControl('hello')));
      assert.ok(hellos.every((x) => x.resumed === true && x.skipped === 0));
      creds = hellos.map((x) => x.resume!.credential);
      offsets = back.map((t, i) => hellos[i]!.offset! + t.stdoutBytes);
      if (round === 1) {
        for (const t of back) t.destroy();
        await until(
          async () => (await graceEverywhere(9)) && (await c.gauges(B))['podshell_replica_links'] === 0,
          10_000,
          'grace again',
          20,
        );
      } else await Promise.all(back.map((t) => t.close()));
    }
    await c.waitAllIdle(20_000);
  });

  it('grace expiry ends everything: gauges 0 on every replica, no registry key left', async () => {
    const a = await connect(A, { tenant: 'brief', resumable: true });
    await a.waitForControl('hello');
    a.destroy();
    await c.waitAllIdle(20_000);
  });

  it('draining the relaying replica: its client is told 1001 and resumes through another replica', async () => {
    const a = await connect(A, { resumable: true });
    const cred1 = (await a.waitForControl('hello')).resume!.credential;
    a.destroy();
    await until(async () => (await inGrace(A)) === 1, 10_000, 'grace on A', 20);
    const b = await connect(B, { resume: { credential: cred1, offset: a.stdoutBytes } });
    const cred2 = (await b.waitForControl('hello')).resume!.credential;
    B.process.kill('SIGTERM');
    const close = await b.waitForClose(10_000);
    assert.equal(close.code, 1001);
    assert.equal(await B.exited, 0);
    await until(async () => (await inGrace(A)) === 1, 10_000, 'grace on A again', 20);
    const cc = await connect(C, { resume: { credential: cred2, offset: b.stdoutBytes } });
    assert.equal((await cc.waitForControl('hello')).resumed, true);
    await cc.close();
  });

  it('killing the owner replica: a resume through another replica gets 4410 at once, not a hang', async () => {
    const t = await connect(C, { resumable: true });
    const cred = (await t.waitForControl('hello')).resume!.credential;
    t.destroy();
    await until(async () => (await inGrace(C)) === 1, 10_000, 'grace on C', 20);
    C.process.kill('SIGKILL');
    await C.exited;
    const started = Date.now();
    const b = await connect(A, { resume: { credential: cred, offset: 0 } });
    const close = await b.waitForClose(10_000);
    assert.equal(close.code, CloseCode.ResumeRefused);
    assert.match(b.control('closing')?.message ?? '', /replica holding this session is gone/);
    assert.ok(Date.now() - started < 5000, `answered after ${Date.now() - started} ms`);
  });
  const linkAttempt = async (header: string, clientIp: string, entry: string): Promise<unknown> =>
    TestClient.connect(A.url, {
      origin: TEST_ORIGIN,
      protocols: [POD_SHELL_SUBPROTOCOL, POD_SHELL_BEARER_PREFIX + c.token(), entry],
      headers: { [REPLICA_LINK_HEADER]: header, [REPLICA_CLIENT_IP_HEADER]: clientIp },
    }).then(
      (t) => {
        t.destroy();
        return 'accepted';
      },
      (err: unknown) => err,
    );

  it('a forged, stale, wrong-secret or re-targeted link is refused with 403 before any socket', async () => {
    const real = await c.connect(A, { resumable: true });
    const cred = (await real.waitForControl('hello')).resume!.credential;
    const entry = resumeSubprotocol(cred, 0);
    const cases: Record<string, [string, string]> = {
      garbage: ['nonsense', '10.0.0.1'],
      'wrong secret': [signReplicaLink('x'.repeat(40), 'replica-b', '10.0.0.1', entry), '10.0.0.1'],
      stale: [signReplicaLink(LINK_SECRET, 'replica-b', '10.0.0.1', entry, Date.now() - 60_000), '10.0.0.1'],
      'client address swapped': [signReplicaLink(LINK_SECRET, 'replica-b', '10.0.0.1', entry), '10.6.6.6'],
      'other resume entry': [
        signReplicaLink(LINK_SECRET, 'replica-b', '10.0.0.1', resumeSubprotocol(cred, 5)),
        '10.0.0.1',
      ],
    };
    for (const [name, [header, ip]] of Object.entries(cases)) {
      const outcome = await linkAttempt(header, ip, entry);
      assert.ok(outcome instanceof UpgradeRefused && outcome.status === 403, `${name}: ${String(outcome)}`);
      assert.match(outcome.body, /PS_ERR_REPLICA_LINK_FORBIDDEN/);
    }
    // None of them consumed the credential: the client can still resume with it.
    real.destroy();
    const back = await c.connect(A, { resume: { credential: cred, offset: 0 } });
    assert.equal((await back.waitForControl('hello')).resumed, true);
    await back.close();
    await c.waitAllIdle(20_000);
  });
});
