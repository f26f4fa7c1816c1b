import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { DEFAULT_LOCK_MESSAGE } from '../admin/admin-locks.js';
import type { LockRecord } from '../store/session-store.js';
import type { Harness } from './harness.js';
import { startStoreHarness, type StoreHarness } from './store-harness.js';

/**
 * Issue 8 item 7: locks by tenant, subject or target, with an expiry and a message, enforced at
 * connect (4403 + the lock's message) and at refresh, also on a broker that missed the broadcast;
 * creating one ends the live sessions it covers. Memory store and a private real Redis.
 */
for (const kind of ['memory', 'redis'] as const) {
  describe(`locks (${kind} store)`, () => {
    let sh: StoreHarness;
    let h: Harness;
    before(async () => {
      sh = await startStoreHarness(kind, 'locks-test');
      h = sh.h;
    });
    afterEach(async () => {
      h.broker.sessions.listen();
      await h.waitIdle();
      assert.deepEqual(await h.broker.store.listLocks(), [], 'every test removes its locks');
      assert.deepEqual(await sh.leftKeys(), []);
    });
    after(async () => {
      await sh.close();
    });

    const lock = async (body: Record<string, unknown>): Promise<{ lock: LockRecord; sessionsEnded: number }> => {
      const res = await h.admin('/admin/locks', { method: 'POST', body: JSON.stringify(body) });
      assert.equal(res.status, 201, res.text);
      return JSON.parse(res.text) as { lock: LockRecord; sessionsEnded: number };
    };
    const unlock = async (id: string): Promise<void> => {
      assert.equal((await h.admin(`/admin/locks/${id}`, { method: 'DELETE' })).status, 200);
    };

    test("locking a subject ends its live sessions, refuses its connects with 4403 and the lock's message, and spares other subjects", async () => {
      const alice = await h.connect({ pod: 'echo-0', sub: 'alice' });
      const bob = await h.connect({ pod: 'echo-0', sub: 'bob' });
      await Promise.all([alice.waitForControl('hello'), bob.waitForControl('hello')]);
      const { lock: l, sessionsEnded } = await lock({
        tenant: 'test',
        subject: 'alice',
        message: 'Your account is under review.',
        ttlSeconds: 600,
      });
      assert.equal(sessionsEnded, 1);
      assert.equal((await alice.waitForClose(2000)).code, 4409);
      assert.equal(alice.control('closing')?.message, 'Your account is under review.');
      const again = await h.connect({ pod: 'echo-0', sub: 'alice' });
      assert.equal((await again.waitForClose()).code, 4403);
      assert.deepEqual(again.control('closing'), {
        type: 'closing',
        code: 4403,
        reason: 'locked',
        message: 'Your account is under review.',
      });
      bob.stdin('bob-still-here');
      await bob.waitForText('bob-still-here');
      const listed = JSON.parse((await h.admin('/admin/locks?tenant=test')).text) as { locks: LockRecord[] };
      assert.deepEqual(
        listed.locks.map((x) => x.id),
        [l.id],
      );
      await unlock(l.id);
      const back = await h.connect({ pod: 'echo-0', sub: 'alice' });
      await back.waitForControl('hello');
      await Promise.all([back.close(), bob.close()]);
    });

    test('a target lock (namespace and pod) covers only that pod; a lock lapses at its expiry', async () => {
      const { lock: l } = await lock({ tenant: 'test', namespace: 'default', pod: 'echo-0', ttlSeconds: 1 });
      assert.equal(l.message, DEFAULT_LOCK_MESSAGE);
      const locked = await h.connect({ pod: 'echo-0' });
      assert.equal((await locked.waitForClose()).code, 4403);
      const other = await h.connect({ pod: 'demo' });
      await other.waitForControl('hello');
      await other.close();
      await new Promise((r) => setTimeout(r, Math.max(0, l.expiresAt! - Date.now()) + 50)); // the expiry is the event under test
      const after = await h.connect({ pod: 'echo-0' });
      await after.waitForControl('hello');
      await after.close();
      assert.deepEqual(await h.broker.store.listLocks('test'), [], 'the lapsed lock is gone');
    });

    test('a lock the holder never heard about (missed broadcast) ends the session at its next refresh with 4403', async () => {
      const c = await h.connect({ pod: 'echo-0', sub: 'carol' });
      await c.waitForControl('hello');
      h.broker.sessions.stopListening();
      // A whole-tenant lock written straight to the store: no kill is published at all.
      const l: LockRecord = {
        id: 'tenant-lock-1',
        tenant: 'test',
        message: 'Tenant suspended.',
        createdAt: Date.now(),
        createdBy: 'operator',
      };
      await h.broker.store.createLock(l);
      assert.equal(c.closeEvent, null);
      c.refresh(h.token({ pod: 'echo-0', sub: 'carol', ttlSeconds: 900 }));
      assert.equal((await c.waitForClose(5000)).code, 4403);
      assert.equal(c.control('closing')?.message, 'Tenant suspended.');
      assert.equal(c.control('extended'), undefined);
      await unlock(l.id);
    });

    test('bad lock requests are refused with 400', async () => {
      for (const body of [
        {},
        { tenant: 'test', ttlSeconds: -1 },
        { tenant: 'test', expiresAt: 1 },
        { tenant: 'bad tenant' },
        { tenant: 'test', message: 'x'.repeat(201) },
      ]) {
        assert.equal(
          (await h.admin('/admin/locks', { method: 'POST', body: JSON.stringify(body) })).status,
          400,
          JSON.stringify(body),
        );
      }
      assert.equal((await h.admin('/admin/locks/nosuchlock0', { method: 'DELETE' })).status, 404);
    });
  });
}
