import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { SessionRecord } from '../store/session-store.js';
import type { Harness } from './harness.js';
import { startStoreHarness, type StoreHarness } from './store-harness.js';

/**
 * Issue 8 item 1 (threat 8): a refresh extends a session only up to the least of the new token's
 * expiry, the tenant's maximum duration and any operator-set limit, and a kill or revoke racing a
 * refresh wins — also on a replica that never heard the broadcast (the store decides). Run against
 * the memory store and a private real Redis.
 */
for (const kind of ['memory', 'redis'] as const) {
  describe(`refresh limits (${kind} store)`, () => {
    let sh: StoreHarness;
    let h: Harness;
    before(async () => {
      sh = await startStoreHarness(kind, 'refresh-test', {
        env: { EXPIRING_WARNING_SECONDS: '1' },
        tenants: [
          {
            name: 'brief',
            issuer: 'https://brief.example',
            audience: 'pod-shell',
            keys: [{ kid: 'hs-b', alg: 'HS256', secret: 'brief-secret-0123456789abcdef-0123456789abcdef' }],
            allowedOrigins: ['https://app.example.com'],
            namespaces: ['default'],
            identity: { user: 'brief:{sub}', groups: ['pod-shell:test'] },
            endOrphanedShells: false,
            limits: { maxSessionSeconds: 30 },
          },
        ],
      });
      h = sh.h;
      assert.equal(h.broker.store.kind, kind);
    });
    afterEach(async () => {
      h.broker.sessions.listen();
      await h.waitIdle();
      assert.deepEqual(await sh.leftKeys(), []);
    });
    after(async () => {
      await sh.close();
    });

    const shorten = async (id: string, inSeconds: number): Promise<SessionRecord> => {
      const res = await h.admin(`/admin/sessions/${id}/expiry`, {
        method: 'POST',
        body: JSON.stringify({ inSeconds }),
      });
      assert.equal(res.status, 200, res.text);
      return (JSON.parse(res.text) as { session: SessionRecord }).session;
    };

    test('an operator-shortened session stays shortened after the client refreshes with a long token', async () => {
      const c = await h.connect({ pod: 'echo-0', ttlSeconds: 600 });
      const hello = await c.waitForControl('hello');
      const limited = await shorten(hello.session, 120);
      assert.ok(limited.expiresAt < hello.expiresAt);
      assert.equal(limited.limitAt, limited.expiresAt, 'the limit is stored with the session');
      c.refresh(h.token({ pod: 'echo-0', ttlSeconds: 3600 }));
      const extended = await c.waitForControl('extended');
      assert.equal(extended.expiresAt, limited.expiresAt, 'the refresh did not move past the operator limit');
      assert.equal((await h.broker.store.get(hello.session))?.expiresAt, limited.expiresAt);
      assert.equal(h.broker.sessions.get(hello.session)?.expiresAt, limited.expiresAt);
      await c.close();
    });

    test("a refresh never passes the tenant's maximum session length", async () => {
      const c = await h.connect({ tenant: 'brief', pod: 'echo-0', ttlSeconds: 10 });
      const hello = await c.waitForControl('hello');
      const startedAt = h.broker.sessions.get(hello.session)!.startedAt;
      c.refresh(h.token({ tenant: 'brief', pod: 'echo-0', ttlSeconds: 3600 }));
      const extended = await c.waitForControl('extended');
      assert.equal(extended.expiresAt, startedAt + 30_000);
      await c.close();
    });

    test('a shortening the holder never heard (missed broadcast) still caps the refresh', async () => {
      const c = await h.connect({ pod: 'echo-0', ttlSeconds: 600 });
      const hello = await c.waitForControl('hello');
      h.broker.sessions.stopListening(); // this replica misses the set-expiry broadcast
      const limited = await shorten(hello.session, 90);
      assert.equal(h.broker.sessions.get(hello.session)?.expiresAt, hello.expiresAt, 'the holder did not hear it');
      c.refresh(h.token({ pod: 'echo-0', ttlSeconds: 3600 }));
      const extended = await c.waitForControl('extended');
      assert.equal(extended.expiresAt, limited.expiresAt, 'the store capped the refresh at the stored limit');
      await c.close();
    });

    test('a kill racing a refresh wins, even on a holder that missed the kill broadcast', async () => {
      const c = await h.connect({ pod: 'echo-0', ttlSeconds: 600 });
      const hello = await c.waitForControl('hello');
      h.broker.sessions.stopListening();
      const res = await h.admin(`/admin/sessions/${hello.session}`, {
        method: 'DELETE',
        body: JSON.stringify({ message: 'account closed' }),
      });
      assert.equal(res.status, 202);
      assert.equal(c.closeEvent, null, 'the holder did not hear the kill');
      c.refresh(h.token({ pod: 'echo-0', ttlSeconds: 3600 }));
      const close = await c.waitForClose(5000);
      assert.equal(close.code, 4409);
      assert.equal(c.control('extended'), undefined, 'never extended');
      assert.equal(c.control('closing')?.message, 'account closed');
    });

    test('a subject revoke racing a refresh wins; the revoke spares a session started after it', async () => {
      const c = await h.connect({ pod: 'echo-0', sub: 'mallory', ttlSeconds: 600 });
      await c.waitForControl('hello');
      h.broker.sessions.stopListening();
      const res = await h.admin('/admin/revoke', {
        method: 'POST',
        body: JSON.stringify({ tenant: 'test', subject: 'mallory' }),
      });
      assert.equal(res.status, 202);
      c.refresh(h.token({ pod: 'echo-0', sub: 'mallory', ttlSeconds: 3600 }));
      assert.equal((await c.waitForClose(5000)).code, 4409);
      h.broker.sessions.listen();
      await new Promise((r) => setTimeout(r, 5)); // the next session starts strictly after the revoke
      const later = await h.connect({ pod: 'echo-0', sub: 'mallory', ttlSeconds: 600 });
      await later.waitForControl('hello');
      later.refresh(h.token({ pod: 'echo-0', sub: 'mallory', ttlSeconds: 900 }));
      await later.waitForControl('extended');
      await later.close();
    });
  });
}
