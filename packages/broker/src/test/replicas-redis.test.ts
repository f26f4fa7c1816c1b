import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SessionRecord } from '../store/session-store.js';
import type { TestClient } from './client.js';
import { tenantDoc } from './harness.js';
import { until } from './redis-harness.js';
import { HEARTBEAT_SECONDS, useReplicaCluster, type Replica, type ReplicaCluster } from './replicas-cluster.js';

/**
 * Three broker processes, one private Redis, one kube-sim: quotas, kills, expiry and the Redis fault
 * policy across replicas (issue 4; threats 8, 12, 15, 16, 19).
 */
describe('three broker replicas sharing one Redis', () => {
  const fx = useReplicaCluster({
    replicas: 3,
    maxConcurrent: 10,
    extraTenants: [tenantDoc({ name: 'other', issuer: 'https://other.example', endOrphanedShells: true })],
  });
  const connect = fx.connect;
  let c: ReplicaCluster;
  let A: Replica, B: Replica, C: Replica;
  before(() => {
    c = fx.cluster();
    [A, B, C] = c.replicas as [Replica, Replica, Replica];
  });
  /** Waits for the session to open (hello) or be refused (close). */
  const settle = (t: TestClient): Promise<void> =>
    t.waitUntil(() => t.control('hello') !== undefined || t.closeEvent !== null, 'hello or close', 15_000);
  const listed = async (r: Replica, query = ''): Promise<SessionRecord[]> => {
    const res = await c.admin(r, `/admin/sessions${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { sessions: SessionRecord[] }).sessions;
  };
  const shellsOf = (sessionId: string): number =>
    c.sim.stats().processes.filter((p) => p.command.join(' ').includes(sessionId)).length;

  it('keeps the quota exact under races: 100 parallel connects over 3 replicas → 10 open, 90 closed 4429, then free again', async () => {
    const clients = await Promise.all(Array.from({ length: 100 }, (_, i) => connect(c.replicas[i % 3]!)));
    await Promise.all(clients.map(settle));
    const opened = clients.filter((t) => t.control('hello') !== undefined && t.closeEvent === null);
    const refused = clients.filter((t) => t.closeEvent !== null);
    assert.equal(opened.length, 10);
    assert.equal(refused.length, 90);
    for (const t of refused) {
      assert.equal(t.closeEvent!.code, 4429);
      assert.equal(t.control('closing')?.code, 4429);
    }
    assert.equal((await listed(B, '?tenant=test')).length, 10);
    await Promise.all(opened.map((t) => t.close()));
    await c.waitAllIdle();
    // The quota is fully free again: ten new sessions open, on any replica.
    const again = await Promise.all(Array.from({ length: 10 }, (_, i) => connect(c.replicas[i % 3]!)));
    await Promise.all(again.map(settle));
    assert.ok(again.every((t) => t.control('hello') !== undefined && t.closeEvent === null));
  });

  it("kills a session held by replica C through replica A's admin API within 2 s, with 4409", async () => {
    const t = await connect(C);
    const hello = await t.waitForControl('hello');
    const [rec] = await listed(A, '?tenant=test&subject=alice');
    assert.equal(rec!.id, hello.session);
    assert.equal(rec!.replica, C.id);
    const t0 = Date.now();
    const res = await c.admin(A, `/admin/sessions/${hello.session}`, {
      method: 'DELETE',
      body: JSON.stringify({ message: 'maintenance' }),
    });
    assert.equal(res.status, 202);
    const close = await t.waitForClose(2000);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(close.code, 4409);
    assert.deepEqual(t.control('closing'), {
      type: 'closing',
      code: 4409,
      reason: 'terminated',
      message: 'maintenance',
    });
  });

  it('revokes one subject of one tenant on every replica, leaving other subjects alone', async () => {
    const alice = [await connect(A, { sub: 'alice' }), await connect(B, { sub: 'alice' })];
    const bob = await connect(C, { sub: 'bob' });
    const otherAlice = await connect(C, { tenant: 'other', sub: 'alice' });
    await Promise.all([...alice, bob, otherAlice].map((t) => t.waitForControl('hello')));
    const res = await c.admin(B, '/admin/revoke', {
      method: 'POST',
      body: JSON.stringify({ tenant: 'test', subject: 'alice' }),
    });
    assert.equal((res.body as { sessions: number }).sessions, 2);
    for (const t of alice) assert.equal((await t.waitForClose(2000)).code, 4409);
    // Another subject of the tenant, and the same subject name in another tenant, keep running.
    for (const [i, t] of [bob, otherAlice].entries()) {
      t.stdin(`echo still-${i}-$((40+2))\r`);
      await t.waitForText(`still-${i}-42`);
      assert.equal(t.closeEvent, null);
    }
  });

  it("revokes a whole tenant on every replica without touching another tenant's sessions", async () => {
    const others = [
      await connect(A, { tenant: 'other', sub: 'alice' }),
      await connect(B, { tenant: 'other', sub: 'carol' }),
    ];
    const mine = await connect(C, { sub: 'alice' });
    await Promise.all([...others, mine].map((t) => t.waitForControl('hello')));
    const res = await c.admin(C, '/admin/revoke', { method: 'POST', body: JSON.stringify({ tenant: 'other' }) });
    assert.deepEqual((res.body as { ids: string[] }).ids.sort(), others.map((t) => t.control('hello')!.session).sort());
    for (const t of others) assert.equal((await t.waitForClose(2000)).code, 4409);
    mine.stdin('echo mine-$((1+2))\r');
    await mine.waitForText('mine-3');
    assert.equal(mine.closeEvent, null);
  });

  it('closes a session at its token expiry on the replica holding it', async () => {
    const t = await connect(B, { ttlSeconds: 2 });
    const hello = await t.waitForControl('hello');
    const close = await t.waitForClose(5000);
    const late = Date.now() - hello.expiresAt;
    assert.equal(close.code, 4408);
    assert.ok(late >= -50 && late < 1000, `closed ${late} ms after the token expiry`);
  });

  it("closes a session when an operator shortens its expiry on another replica's admin API", async () => {
    const t = await connect(C);
    const hello = await t.waitForControl('hello');
    const res = await c.admin(A, `/admin/sessions/${hello.session}/expiry`, {
      method: 'POST',
      body: JSON.stringify({ inSeconds: 1 }),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const target = (res.body as { session: SessionRecord }).session.expiresAt;
    assert.ok(target < hello.expiresAt);
    const rec = (await c.admin(B, `/admin/sessions/${hello.session}`)).body as { session: SessionRecord };
    assert.equal(rec.session.expiresAt, target);
    const close = await t.waitForClose(3000);
    assert.equal(close.code, 4408);
    assert.ok(Date.now() - target < 1000);
    assert.equal(t.control('expiring')?.at, target);
  });

  it('after a client vanishes, no shell is left for that session in the cluster within 5 s', async () => {
    const t = await connect(A);
    const hello = await t.waitForControl('hello');
    t.stdin('sleep 300\r');
    await until(
      () => c.sim.stats().processes.some((p) => p.command.join(' ').includes(hello.session)),
      3000,
      'the shell to run',
    );
    t.destroy(); // no close frame: the browser tab died
    const t0 = Date.now();
    await until(() => shellsOf(hello.session) === 0, 5000, 'the orphaned shell to be hung up');
    assert.ok(Date.now() - t0 < 5000);
  });

  it('fails closed fast while Redis is down (4503 within 1 s), keeps live sessions echoing, and is exact again after a restart', async () => {
    const live = [await connect(A), await connect(C)];
    await Promise.all(live.map((t) => t.waitForControl('hello')));
    await c.redis.stop();
    await until(
      async () => (await fetch(`${A.url.replace('ws:', 'http:').replace('/v1/session', '')}/readyz`)).status === 503,
      3000,
      '/readyz to report the store down',
    );

    const t0 = Date.now();
    const refused = await connect(B);
    const close = await refused.waitForClose(2000);
    assert.equal(close.code, 4503);
    assert.ok(Date.now() - t0 < 1000, `refused after ${Date.now() - t0} ms`);
    for (const [i, t] of live.entries()) {
      t.stdin(`echo alive-${i}-$((1+1))\r`);
      await t.waitForText(`alive-${i}-2`);
    }

    await c.redis.start(); // an empty Redis: nothing was persisted
    await until(
      async () => {
        const res = await c.admin(B, '/admin/sessions?tenant=test');
        return res.status === 200 && (res.body as { count: number }).count === 2;
      },
      5000,
      'the replicas to re-register their live sessions',
    );
    const ids = (await listed(B)).map((r) => r.replica).sort();
    assert.deepEqual(ids, [A.id, C.id]);
    await until(
      async () => (await fetch(`${A.url.replace('ws:', 'http:').replace('/v1/session', '')}/readyz`)).status === 200,
      3000,
      '/readyz to recover',
    );
    for (const t of live) assert.equal(t.closeEvent, null);
  });

  it('reaps the sessions of a replica killed with SIGKILL within two heartbeats, freeing the quota and ending its shells', async () => {
    const onB = await Promise.all([connect(B), connect(B), connect(B)]);
    const onA = await connect(A);
    await Promise.all([...onB, onA].map((t) => t.waitForControl('hello')));
    assert.equal((await listed(A)).length, 4);
    const bSessions = onB.map((t) => t.control('hello')!.session);
    await until(() => bSessions.every((id) => shellsOf(id) === 1), 3000, "B's shells to run");
    B.process.kill('SIGKILL');
    const killedAt = Date.now();
    await B.exited;
    await until(async () => (await listed(C)).length === 1, 5000, "B's sessions to leave Redis");
    const elapsed = Date.now() - killedAt;
    // The heartbeat key lapses two periods after B's last beat; a reaper notices within a quarter period.
    assert.ok(elapsed <= 2 * HEARTBEAT_SECONDS * 1000 + 500, `reaped after ${elapsed} ms`);
    for (const t of onB) assert.equal((await t.waitForClose(2000)).code, 1006);
    // B could not hang up its shells; the replica that reaped its sessions did.
    await until(() => bSessions.every((id) => shellsOf(id) === 0), 5000, "the dead replica's shells to be hung up");
    // The quota is free again: 9 more sessions fit beside the one on A.
    const more = await Promise.all(Array.from({ length: 9 }, (_, i) => connect(i % 2 === 0 ? A : C)));
    await Promise.all(more.map(settle));
    assert.ok(more.every((t) => t.control('hello') !== undefined && t.closeEvent === null));
  });

  it('a replica drained with SIGTERM closes its sessions with 4503, hangs up their shells and leaves the registry', async () => {
    const t = await connect(A);
    const hello = await t.waitForControl('hello');
    await until(() => shellsOf(hello.session) === 1, 3000, 'the shell to run');
    A.process.kill('SIGTERM');
    assert.equal((await t.waitForClose(5000)).code, 4503);
    assert.equal(await A.exited, 0);
    await until(() => shellsOf(hello.session) === 0, 2000, 'the drained session’s shell to be gone');
    assert.deepEqual(
      (await listed(C)).map((r) => r.id),
      [],
    );
    assert.equal(await c.redis.client().exists(`ps:replica:${A.id}`), 0);
  });
});
