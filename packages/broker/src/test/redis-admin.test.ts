import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { handleAdminRequest, type AdminContext } from '../admin/admin-api.js';
import { createLogger } from '../log/logger.js';
import { RedisStore } from '../store/redis-store.js';
import type { ControlCommand, SessionRecord } from '../store/session-store.js';
import { sessionKeys, startRedis, type RedisProcess } from './redis-harness.js';
import { sessionRecord } from './session-records.js';

const logger = createLogger({ level: 'error' });
const TOKEN = 'admin-token-0123456789';

function record(tenant: string, subject: string, replica: string): SessionRecord {
  return sessionRecord(tenant, replica, { subject, expiresAt: Date.now() + 600_000 });
}

describe('admin API over the Redis store', () => {
  let redis: RedisProcess;
  let a: RedisStore;
  let c: RedisStore;
  let ctx: AdminContext;
  const heardOnC: ControlCommand[] = [];
  let onHeard: (() => void) | null = null;
  const nextCommand = (): Promise<ControlCommand> =>
    new Promise((resolve) => {
      const before = heardOnC.length;
      onHeard = () => {
        if (heardOnC.length > before) resolve(heardOnC[before]!);
      };
    });
  const recs = {
    aliceA: record('tenant-a', 'alice', 'c'),
    bobA: record('tenant-a', 'bob', 'c'),
    aliceB: record('tenant-b', 'alice', 'c'),
  };
  const call = (method: string, path: string, extra: { query?: string; body?: unknown; token?: string | null } = {}) =>
    handleAdminRequest(
      {
        method,
        path,
        ...(extra.query !== undefined ? { query: extra.query } : {}),
        ...(extra.body !== undefined
          ? { body: typeof extra.body === 'string' ? extra.body : JSON.stringify(extra.body) }
          : {}),
        headers: extra.token === null ? {} : { authorization: `Bearer ${extra.token ?? TOKEN}` },
      },
      ctx,
    );

  before(async () => {
    redis = await startRedis();
    a = new RedisStore({ url: redis.url, commandTimeoutMs: 300, replicaId: 'a', heartbeatSeconds: 1, logger });
    c = new RedisStore({ url: redis.url, commandTimeoutMs: 300, replicaId: 'c', heartbeatSeconds: 1, logger });
    await Promise.all([a.connected(), c.connected()]);
    c.subscribe((cmd) => {
      heardOnC.push(cmd);
      onHeard?.();
    });
    for (const r of Object.values(recs))
      assert.ok(
        (await c.acquire({ record: r, maxConcurrent: 10, tenantConnectsPerMinute: 0, ipConnectsPerMinute: 0 })).ok,
      );
    ctx = { store: a, logger, adminToken: TOKEN };
  });
  after(async () => {
    for (const r of Object.values(recs)) await c.release(r.tenant, r.id);
    await a.close();
    await c.close();
    assert.deepEqual(await sessionKeys(redis.client()), []);
    await redis.stop();
  });

  it('refuses requests without the admin bearer token', async () => {
    assert.equal((await call('GET', '/admin/sessions', { token: null })).status, 401);
    assert.equal((await call('GET', '/admin/sessions', { token: 'wrong-token-wrong-token' })).status, 401);
  });

  it('lists sessions cluster-wide, filtered by tenant and subject', async () => {
    const all = await call('GET', '/admin/sessions');
    assert.equal(all.status, 200);
    assert.equal((all.body as { count: number }).count, 3);
    const a1 = await call('GET', '/admin/sessions', { query: 'tenant=tenant-a' });
    assert.deepEqual(
      (a1.body as { sessions: SessionRecord[] }).sessions.map((s) => s.id).sort(),
      [recs.aliceA.id, recs.bobA.id].sort(),
    );
    const alice = await call('GET', '/admin/sessions', { query: '?tenant=tenant-b&subject=alice' });
    assert.deepEqual((alice.body as { sessions: SessionRecord[] }).sessions, [recs.aliceB]);
    assert.equal((await call('GET', '/admin/sessions', { query: 'subject=alice' })).status, 400);
  });

  it('shows one session, scoped by tenant when asked', async () => {
    const one = await call('GET', `/admin/sessions/${recs.bobA.id}`);
    assert.deepEqual(one, { status: 200, body: { session: recs.bobA } });
    assert.equal((await call('GET', `/admin/sessions/${recs.bobA.id}`, { query: 'tenant=tenant-b' })).status, 404);
    assert.equal((await call('GET', `/admin/sessions/${randomBytes(16).toString('base64url')}`)).status, 404);
    assert.equal((await call('GET', '/admin/sessions/bad$id')).status, 400);
  });

  it('kills a session held by another replica through the control channel', async () => {
    const heard = nextCommand();
    const res = await call('DELETE', `/admin/sessions/${recs.bobA.id}`, { body: { message: 'maintenance\u001b[2J' } });
    assert.deepEqual(res, { status: 202, body: { killed: recs.bobA.id, tenant: 'tenant-a', replica: 'c' } });
    assert.deepEqual(await heard, { kind: 'kill', sessionId: recs.bobA.id, message: 'maintenance [2J' });
  });

  it('revokes a subject within one tenant only, or a whole tenant', async () => {
    let heard = nextCommand();
    const res = await call('POST', '/admin/revoke', { body: { tenant: 'tenant-a', subject: 'alice' } });
    assert.deepEqual(res, {
      status: 202,
      body: { tenant: 'tenant-a', subject: 'alice', sessions: 1, ids: [recs.aliceA.id] },
    });
    assert.deepEqual(await heard, { kind: 'kill-subject', tenant: 'tenant-a', subject: 'alice' });
    heard = nextCommand();
    const all = await call('POST', '/admin/revoke', { body: { tenant: 'tenant-b' } });
    assert.equal((all.body as { sessions: number }).sessions, 1);
    assert.deepEqual(await heard, { kind: 'kill-tenant', tenant: 'tenant-b' });
    assert.equal((await call('POST', '/admin/revoke', { body: {} })).status, 400);
    assert.equal((await call('POST', '/admin/revoke', { body: '{not json' })).status, 400);
  });

  it('shortens a session expiry (never extends it) and tells the holding replica', async () => {
    const target = Date.now() + 30_000;
    const heard = nextCommand();
    const res = await call('POST', `/admin/sessions/${recs.aliceB.id}/expiry`, { body: { expiresAt: target } });
    assert.equal(res.status, 200);
    assert.deepEqual(await heard, { kind: 'set-expiry', sessionId: recs.aliceB.id, expiresAt: target });
    assert.equal((await c.get(recs.aliceB.id))!.expiresAt, target);
    const longer = await call('POST', `/admin/sessions/${recs.aliceB.id}/expiry`, {
      body: { expiresAt: target + 1000 },
    });
    assert.equal(longer.status, 409);
    assert.equal(
      (await call('POST', `/admin/sessions/${recs.aliceB.id}/expiry`, { body: { expiresAt: 'soon' } })).status,
      400,
    );
    assert.equal((await call('PUT', `/admin/sessions/${recs.aliceB.id}`)).status, 405);
  });

  it('answers 503 while the store is down', async () => {
    const down = new RedisStore({
      url: 'redis://127.0.0.1:1',
      commandTimeoutMs: 200,
      replicaId: 'down',
      heartbeatSeconds: 1,
      logger,
    });
    try {
      const t0 = Date.now();
      const res = await handleAdminRequest({ method: 'GET', path: '/admin/sessions' }, { store: down, logger });
      assert.equal(res.status, 503);
      assert.ok(Date.now() - t0 < 1000);
    } finally {
      await down.close();
    }
  });
});
