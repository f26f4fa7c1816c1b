import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LockRecord, SessionRecord } from '../store/session-store.js';
import { useReplicaCluster, type Replica, type ReplicaCluster } from './replicas-cluster.js';

/**
 * Issue 8 items 1 and 7 across three broker processes sharing one Redis: a lock created through one
 * replica ends matching sessions on another and refuses connects on every replica (each reads the
 * locks from Redis inside its acquire script, so none depends on having heard a broadcast); an
 * operator's shortening made through one replica caps a refresh on another.
 */
describe('locks and operator limits across three replicas', () => {
  const fx = useReplicaCluster({ replicas: 3 });
  const connect = fx.connect;
  let c: ReplicaCluster;
  let A: Replica, B: Replica, C: Replica;
  before(() => {
    c = fx.cluster();
    [A, B, C] = c.replicas as [Replica, Replica, Replica];
  });

  it("a subject lock made on A ends the subject's session on C and refuses it on B with 4403 and the lock's message; removed on C, it lets the subject back in", async () => {
    const alice = await connect(C, { sub: 'alice' });
    const bob = await connect(B, { sub: 'bob' });
    await Promise.all([alice.waitForControl('hello'), bob.waitForControl('hello')]);
    const res = await c.admin(A, '/admin/locks', {
      method: 'POST',
      body: JSON.stringify({
        tenant: 'test',
        subject: 'alice',
        message: 'Locked during the incident.',
        ttlSeconds: 300,
      }),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const { lock, sessionsEnded } = res.body as { lock: LockRecord; sessionsEnded: number };
    assert.equal(sessionsEnded, 1);
    assert.equal((await alice.waitForClose(2000)).code, 4409);
    for (const r of [A, B, C]) {
      const again = await connect(r, { sub: 'alice' });
      assert.equal((await again.waitForClose()).code, 4403, `refused on ${r.id}`);
      assert.equal(again.control('closing')?.message, 'Locked during the incident.');
    }
    bob.stdin('bob-unaffected');
    await bob.waitForText('bob-unaffected');
    const listed = (await c.admin(C, '/admin/locks')).body as { locks: LockRecord[] };
    assert.deepEqual(
      listed.locks.map((l) => l.id),
      [lock.id],
    );
    assert.equal((await c.admin(C, `/admin/locks/${lock.id}`, { method: 'DELETE' })).status, 200);
    const back = await connect(B, { sub: 'alice' });
    await back.waitForControl('hello');
  });

  it('a pod lock made on B refuses that pod on every replica and spares the others', async () => {
    const res = await c.admin(B, '/admin/locks', {
      method: 'POST',
      body: JSON.stringify({ tenant: 'test', namespace: 'default', pod: 'demo', ttlSeconds: 300 }),
    });
    const { lock } = res.body as { lock: LockRecord };
    for (const r of [A, C]) {
      const t = await connect(r, { pod: 'demo' });
      assert.equal((await t.waitForClose()).code, 4403);
    }
    const other = await connect(A, { pod: 'echo-0' });
    await other.waitForControl('hello');
    assert.equal((await c.admin(A, `/admin/locks/${lock.id}?tenant=test`, { method: 'DELETE' })).status, 200);
  });

  it('a shortening made on A caps a refresh of the session held by C', async () => {
    const t = await connect(C, { ttlSeconds: 600 });
    const hello = await t.waitForControl('hello');
    const res = await c.admin(A, `/admin/sessions/${hello.session}/expiry`, {
      method: 'POST',
      body: JSON.stringify({ inSeconds: 120 }),
    });
    assert.equal(res.status, 200);
    const limited = (res.body as { session: SessionRecord }).session;
    t.refresh(c.token({ ttlSeconds: 3600 }));
    const extended = await t.waitForControl('extended');
    assert.equal(extended.expiresAt, limited.expiresAt);
  });
});
