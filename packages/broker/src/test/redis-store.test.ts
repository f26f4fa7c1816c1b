import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { RedisStore, parseControlCommand, redisConnectionOptions } from '../store/redis-store.js';
import { PRUNE_BATCH } from '../store/redis-scripts.js';
import type { AcquireRequest, ControlCommand, SessionRecord } from '../store/session-store.js';
import { PodShellError } from '../errors.js';
import { sessionKeys, startRedis, startSentinel, until, type RedisProcess } from './redis-harness.js';
import { sessionRecord } from './session-records.js';

const logger = createLogger({ level: 'error' });

function request(rec: SessionRecord, over: Partial<AcquireRequest> = {}): AcquireRequest {
  return { record: rec, maxConcurrent: 10, tenantConnectsPerMinute: 0, ipConnectsPerMinute: 0, ...over };
}

describe('RedisStore against a private redis-server', () => {
  let redis: RedisProcess;
  const open: RedisStore[] = [];
  const store = async (replicaId: string, heartbeatSeconds = 1): Promise<RedisStore> => {
    const s = new RedisStore({
      url: redis.url,
      commandTimeoutMs: 300,
      replicaId,
      heartbeatSeconds,
      logger,
      metrics: createMetrics({ defaultMetrics: false }),
    });
    open.push(s);
    await s.connected();
    return s;
  };
  const closeAll = async (): Promise<void> => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  };

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await closeAll();
    await redis.stop();
  });

  it('configures ioredis to fail fast, and passes Sentinel settings and URL credentials through', () => {
    const plain = redisConnectionOptions({
      url: 'redis://127.0.0.1:6390',
      commandTimeoutMs: 300,
      replicaId: 'x',
      heartbeatSeconds: 1,
      logger,
    });
    assert.equal(plain.url, 'redis://127.0.0.1:6390');
    assert.equal(plain.options.enableOfflineQueue, false);
    assert.equal(plain.options.maxRetriesPerRequest, 1);
    assert.equal(plain.options.commandTimeout, 300);
    assert.ok(plain.options.retryStrategy!(100)! <= 1100, 'reconnect backoff is capped');
    const sentinel = redisConnectionOptions({
      url: 'rediss://user:p%40ss@ignored:1/3',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      sentinelName: 'mymaster',
      commandTimeoutMs: 300,
      replicaId: 'x',
      heartbeatSeconds: 1,
      logger,
    });
    assert.equal(sentinel.url, undefined);
    assert.deepEqual(sentinel.options.sentinels, [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
    ]);
    assert.equal(sentinel.options.name, 'mymaster');
    assert.equal(sentinel.options.username, 'user');
    assert.equal(sentinel.options.password, 'p@ss');
    assert.equal(sentinel.options.db, 3);
    assert.deepEqual(sentinel.options.tls, {});
  });

  it('takeResume: the current hash works once, for its tenant and subject only; nothing reads it back', async () => {
    const s = await store('resume-a');
    const rec = sessionRecord('resume-t', 'resume-a');
    assert.deepEqual(await s.acquire(request(rec, { resumeHash: 'h1' })), { ok: true });
    assert.deepEqual(await s.takeResume('other-t', rec.id, 'alice', 'h1', 'h2'), { ok: false, reason: 'gone' });
    assert.deepEqual(await s.takeResume('resume-t', rec.id, 'mallory', 'h1', 'h2'), { ok: false, reason: 'mismatch' });
    assert.deepEqual(await s.takeResume('resume-t', rec.id, 'alice', 'guess', 'h2'), { ok: false, reason: 'mismatch' });
    assert.deepEqual(await s.takeResume('resume-t', rec.id, 'alice', 'h1', 'h2'), { ok: true, replica: 'resume-a' });
    assert.deepEqual(await s.takeResume('resume-t', rec.id, 'alice', 'h1', 'h3'), { ok: false, reason: 'mismatch' });
    assert.equal(JSON.stringify(await s.get(rec.id)).includes('h2'), false);
    await s.release('resume-t', rec.id);
    assert.deepEqual(await s.takeResume('resume-t', rec.id, 'alice', 'h2', 'h3'), { ok: false, reason: 'gone' });
    await closeAll();
  });

  it("setObservers: the holder's observer count is listed with the session, and never recreates a released one", async () => {
    const s = await store('observe-a');
    const rec = sessionRecord('observe-t', 'observe-a');
    assert.ok((await s.acquire(request(rec))).ok);
    assert.equal((await s.get(rec.id))?.observers, undefined);
    await s.setObservers('observe-t', rec.id, 2);
    assert.equal((await s.get(rec.id))?.observers, 2);
    assert.equal((await s.list({ tenant: 'observe-t' })).find((r) => r.id === rec.id)?.observers, 2);
    await s.release('observe-t', rec.id);
    await s.setObservers('observe-t', rec.id, 0);
    assert.equal(await s.get(rec.id), null);
    await closeAll();
  });

  it('acts only on well-formed control messages', () => {
    assert.deepEqual(parseControlCommand('{"kind":"kill","sessionId":"abc","message":"m"}'), {
      kind: 'kill',
      sessionId: 'abc',
      message: 'm',
    });
    assert.deepEqual(parseControlCommand('{"kind":"kill-subject","tenant":"t","subject":"s"}'), {
      kind: 'kill-subject',
      tenant: 't',
      subject: 's',
    });
    assert.deepEqual(parseControlCommand('{"kind":"set-expiry","sessionId":"abc","expiresAt":5}'), {
      kind: 'set-expiry',
      sessionId: 'abc',
      expiresAt: 5,
    });
    for (const bad of [
      'nope',
      'null',
      '[]',
      '{"kind":"kill"}',
      '{"kind":"kill-subject","tenant":"t"}',
      '{"kind":"kill-tenant","tenant":""}',
      '{"kind":"set-expiry","sessionId":"a","expiresAt":"soon"}',
      '{"kind":"reboot"}',
    ]) {
      assert.equal(parseControlCommand(bad), null, bad);
    }
  });

  it('finds the master through a real Redis Sentinel', async () => {
    const sentinel = await startSentinel(redis.port, 'podshell');
    const s = new RedisStore({
      sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      sentinelName: 'podshell',
      commandTimeoutMs: 300,
      replicaId: 'sen',
      heartbeatSeconds: 1,
      logger,
    });
    try {
      await s.connected();
      const rec = sessionRecord('t-sen', 'sen');
      assert.ok((await s.acquire(request(rec))).ok);
      assert.equal(
        await redis.client().zcard('ps:{t-sen}:sessions'),
        1,
        'the session landed on the master Sentinel named',
      );
      await s.release('t-sen', rec.id);
    } finally {
      await s.close();
      await sentinel.stop();
    }
    assert.deepEqual(await sessionKeys(redis.client()), []);
  });

  it('keeps the quota exact: 100 parallel acquires over 3 replicas with quota 10 → exactly 10', async () => {
    const stores = [await store('r1'), await store('r2'), await store('r3')];
    const recs = Array.from({ length: 100 }, (_, i) => sessionRecord('acme', `r${(i % 3) + 1}`));
    const results = await Promise.all(recs.map((rec, i) => stores[i % 3]!.acquire(request(rec))));
    const won = recs.filter((_, i) => results[i]!.ok);
    assert.equal(won.length, 10);
    assert.equal(results.filter((r) => !r.ok && r.reason === 'quota_exceeded').length, 90);
    assert.equal(await stores[0]!.count('acme'), 10);
    const listed = await stores[1]!.list({ tenant: 'acme' });
    assert.deepEqual(listed.map((r) => r.id).sort(), won.map((r) => r.id).sort());
    const one = await stores[2]!.get(won[0]!.id);
    assert.deepEqual(one, won[0]);
    await Promise.all(won.map((rec) => stores[Number(rec.replica.slice(1)) - 1]!.release('acme', rec.id)));
    assert.equal(await stores[0]!.count('acme'), 0);
    // The quota is fully free again.
    const again = await Promise.all(
      Array.from({ length: 10 }, () => stores[0]!.acquire(request(sessionRecord('acme', 'r1')))),
    );
    assert.ok(again.every((r) => r.ok));
    for (const rec of await stores[0]!.list()) await stores[0]!.release(rec.tenant, rec.id);
    await stores[0]!.release('acme', 'no-such-id'); // idempotent
    await closeAll();
    assert.deepEqual(await sessionKeys(redis.client()), []);
  });

  it('enforces the tenant and client-IP connect rates per minute', async () => {
    const s = await store('rate');
    const tenantRes = [];
    for (let i = 0; i < 6; i++)
      tenantRes.push(
        await s.acquire(
          request(sessionRecord('t-rate', 'rate', { clientIp: `10.1.0.${i}` }), { tenantConnectsPerMinute: 5 }),
        ),
      );
    assert.deepEqual(
      tenantRes.map((r) => r.ok),
      [true, true, true, true, true, false],
    );
    assert.equal(tenantRes[5]!.ok === false && tenantRes[5]!.reason, 'rate_limited');
    // The IP limit spans tenants; another IP is unaffected.
    const ipRes = [];
    for (let i = 0; i < 4; i++)
      ipRes.push(
        await s.acquire(
          request(sessionRecord(`t-ip${i}`, 'rate', { clientIp: '192.0.2.7' }), { ipConnectsPerMinute: 3 }),
        ),
      );
    assert.deepEqual(
      ipRes.map((r) => r.ok),
      [true, true, true, false],
    );
    assert.ok(
      (await s.acquire(request(sessionRecord('t-ip9', 'rate', { clientIp: '192.0.2.8' }), { ipConnectsPerMinute: 3 })))
        .ok,
    );
    for (const rec of await s.list()) await s.release(rec.tenant, rec.id);
    await closeAll();
    assert.deepEqual(await sessionKeys(redis.client()), []);
  });

  it('prunes expired entries and entries whose hash vanished before counting', async () => {
    const s = await store('prune');
    const short = sessionRecord('t-exp', 'prune', { expiresAt: Date.now() + 300 });
    assert.ok((await s.acquire(request(short, { maxConcurrent: 1 }))).ok);
    const refused = await s.acquire(request(sessionRecord('t-exp', 'prune'), { maxConcurrent: 1 }));
    assert.equal(refused.ok, false);
    await new Promise((r) => setTimeout(r, short.expiresAt - Date.now() + 20)); // wait for the expiry itself
    const next = sessionRecord('t-exp', 'prune');
    assert.ok((await s.acquire(request(next, { maxConcurrent: 1 }))).ok);
    assert.equal(await s.get(short.id), null);
    // A hash gone before its expiry (evicted, deleted by hand) stops counting at the reaper's audit
    // sweep, and its index entries are dropped.
    await redis.client().del(`ps:{t-exp}:s:${next.id}`);
    await until(
      async () => (await s.count('t-exp')) === 0,
      3000,
      'the audit sweep to drop the entry whose hash vanished',
    );
    assert.equal(await redis.client().zcard('ps:{t-exp}:sessions'), 0);
    await closeAll();
    assert.deepEqual(await sessionKeys(redis.client()), []);
  });

  it('keeps the quota exact while a burst of expiries is pruned in bounded batches', async () => {
    const s = await store('burst', 60); // the reaper (every 15 s) stays out of the way until called
    const expiresAt = Date.now() + 400;
    const burst = Array.from({ length: 3 * PRUNE_BATCH }, () => sessionRecord('t-burst', 'burst', { expiresAt }));
    for (const rec of burst) assert.ok((await s.acquire(request(rec, { maxConcurrent: burst.length }))).ok);
    await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 20)); // wait for the expiry itself
    // One acquire prunes at most PRUNE_BATCH, yet none of the expired entries counts against quota 1.
    const fresh = sessionRecord('t-burst', 'burst');
    assert.ok((await s.acquire(request(fresh, { maxConcurrent: 1 }))).ok);
    assert.equal(await redis.client().zcard('ps:{t-burst}:sessions'), burst.length - PRUNE_BATCH + 1);
    assert.equal((await s.acquire(request(sessionRecord('t-burst', 'burst'), { maxConcurrent: 1 }))).ok, false);
    assert.equal(await s.count('t-burst'), 1);
    assert.deepEqual(
      (await s.list({ tenant: 't-burst' })).map((r) => r.id),
      [fresh.id],
    );
    // The fleet's audit sweep (one step per heartbeat period) removes the rest.
    await redis.client().del('ps:audit:tick');
    await s.reap();
    assert.equal(await redis.client().zcard('ps:{t-burst}:sessions'), 1);
    await s.release('t-burst', fresh.id);
    await closeAll();
    assert.deepEqual(await sessionKeys(redis.client()), []);
  });

  it('delivers control commands to every replica and shortens expiry everywhere', async () => {
    const [a, b, c] = [await store('pa'), await store('pb'), await store('pc')];
    const got: Record<string, ControlCommand[]> = { pa: [], pb: [], pc: [] };
    const waiters: Promise<void>[] = [];
    for (const [name, s] of [
      ['pa', a],
      ['pb', b],
      ['pc', c],
    ] as const) {
      waiters.push(
        new Promise((resolve) => {
          s.subscribe((cmd) => {
            got[name]!.push(cmd);
            if (got[name]!.length === 2) resolve();
          });
        }),
      );
    }
    const rec = sessionRecord('t-ctl', 'pc');
    assert.ok((await c.acquire(request(rec))).ok);
    await a.publish({ kind: 'kill', sessionId: rec.id, message: 'bye' });
    const shortened = Date.now() + 5000;
    await a.updateExpiry('t-ctl', rec.id, shortened);
    await a.publish({ kind: 'set-expiry', sessionId: rec.id, expiresAt: shortened });
    await Promise.all(waiters);
    for (const name of ['pa', 'pb', 'pc']) {
      assert.deepEqual(got[name], [
        { kind: 'kill', sessionId: rec.id, message: 'bye' },
        { kind: 'set-expiry', sessionId: rec.id, expiresAt: shortened },
      ]);
    }
    assert.equal((await b.get(rec.id))!.expiresAt, shortened);
    assert.equal(Number(await redis.client().zscore('ps:{t-ctl}:sessions', rec.id)), shortened);
    const ttl = await redis.client().pttl(`ps:{t-ctl}:s:${rec.id}`);
    assert.ok(ttl > 0 && ttl <= 5000 + 60_000, `hash TTL follows the new expiry (${ttl})`);
    await c.release('t-ctl', rec.id);
    await closeAll();
    assert.deepEqual(await sessionKeys(redis.client()), []);
  });

  it('applies kills, revokes and shortened expiries a replica missed while its connection was down', async () => {
    const [x, a] = [await store('mx'), await store('ma')];
    const s1 = sessionRecord('t-m', 'mx', { subject: 'alice' });
    const s2 = sessionRecord('t-m', 'mx', { subject: 'bob', startedAt: Date.now() - 1000 });
    const s3 = sessionRecord('t-m2', 'mx', { subject: 'carol', startedAt: Date.now() - 1000 });
    const s4 = sessionRecord('t-m', 'mx', { subject: 'dave' });
    for (const r of [s1, s2, s3, s4]) assert.ok((await x.acquire(request(r))).ok);
    // x hears nothing (no handler) while a kills, revokes and shortens.
    await a.publish({ kind: 'kill', sessionId: s1.id, message: 'gone' });
    await a.publish({ kind: 'kill-subject', tenant: 't-m', subject: 'bob' });
    await a.publish({ kind: 'kill-tenant', tenant: 't-m2' });
    const shorter = s4.expiresAt - 30_000;
    await a.updateExpiry('t-m', s4.id, shorter);
    // bob's session opened after the revoke is not revoked by it.
    const s5 = sessionRecord('t-m', 'mx', { subject: 'bob', startedAt: Date.now() + 5 });
    assert.ok((await x.acquire(request(s5))).ok);

    const got: ControlCommand[] = [];
    const four = new Promise<void>((resolve) =>
      x.subscribe((cmd) => {
        got.push(cmd);
        if (cmd.kind === 'kill') void x.release(cmd.sessionId === s3.id ? 't-m2' : 't-m', cmd.sessionId);
        if (got.length === 4) resolve();
      }),
    );
    // Drop x's connection (as a network blip would); it reconnects and replays what it missed.
    const list = await redis.client().client('LIST');
    const addr = /addr=(\S+) .*name=pod-shell:mx /.exec(String(list))![1]!;
    await redis.client().client('KILL', 'ADDR', addr);
    await four;
    const byKey = (c: ControlCommand): string => JSON.stringify(c);
    const expected: ControlCommand[] = [
      { kind: 'kill', sessionId: s1.id, message: 'gone' },
      { kind: 'kill', sessionId: s2.id },
      { kind: 'kill', sessionId: s3.id },
      { kind: 'set-expiry', sessionId: s4.id, expiresAt: shorter },
    ];
    assert.deepEqual(got.map(byKey).sort(), expected.map(byKey).sort());
    // The reconcile that follows keeps the shortened expiry and drops the killed sessions.
    await until(
      async () => (await x.count('t-m')) === 2 && (await x.count('t-m2')) === 0,
      3000,
      'the kills to be released',
    );
    assert.equal((await x.get(s4.id))!.expiresAt, shorter);
    await x.release('t-m', s4.id);
    await x.release('t-m', s5.id);
    await closeAll();
    assert.deepEqual(await sessionKeys(redis.client()), []);
  });

  it('reaps the sessions of a replica whose heartbeat lapsed within two periods', async () => {
    const [a, b] = [await store('alive'), await store('dies')];
    const reaped = new Promise<SessionRecord[]>((resolve) => a.onReaped(resolve));
    const dying = [sessionRecord('t-reap', 'dies'), sessionRecord('t-reap', 'dies'), sessionRecord('t-reap', 'dies')];
    for (const r of dying) assert.ok((await b.acquire(request(r))).ok);
    assert.ok((await a.acquire(request(sessionRecord('t-reap', 'alive')))).ok);
    await b.heartbeat();
    await b.close({ leave: false }); // a crash: no release, no goodbye
    const killedAt = Date.now();
    await until(async () => (await a.count('t-reap')) === 1, 4000, 'the dead replica to be reaped');
    const elapsed = Date.now() - killedAt;
    // Heartbeat TTL is two periods (2 s) after the last beat, plus one reaper tick (≤ 0.31 s) and the polling.
    assert.ok(elapsed <= 2500, `reaped after ${elapsed} ms`);
    assert.deepEqual(
      (await a.list()).map((r) => r.replica),
      ['alive'],
    );
    // The reaping replica learns which sessions it removed (to end their shells).
    const byId = (x: SessionRecord, y: SessionRecord): number => x.id.localeCompare(y.id);
    assert.deepEqual((await reaped).sort(byId), [...dying].sort(byId));
    assert.equal(await redis.client().sismember('ps:replicas', 'dies'), 0);
    for (const rec of await a.list()) await a.release(rec.tenant, rec.id);
    await closeAll();
    assert.deepEqual(await sessionKeys(redis.client()), []);
  });

  it('fails closed fast when Redis stops, keeps releases quiet, and re-registers exactly after restart', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const a = new RedisStore({
      url: redis.url,
      commandTimeoutMs: 300,
      replicaId: 'fa',
      heartbeatSeconds: 1,
      logger,
      metrics,
    });
    open.push(a);
    await a.connected();
    const b = await store('fb');
    const aRecs = [sessionRecord('t-f', 'fa'), sessionRecord('t-f', 'fa'), sessionRecord('t-f', 'fa')];
    const bRecs = [sessionRecord('t-f', 'fb'), sessionRecord('t-f', 'fb')];
    for (const r of aRecs) assert.ok((await a.acquire(request(r))).ok);
    for (const r of bRecs) assert.ok((await b.acquire(request(r))).ok);
    assert.equal((await metrics.storeUp.get()).values[0]!.value, 1);

    await redis.stop();
    const t0 = Date.now();
    await assert.rejects(
      a.acquire(request(sessionRecord('t-f', 'fa'))),
      (err: unknown) => err instanceof PodShellError && err.closeCode === 4503,
    );
    assert.ok(Date.now() - t0 < 1000, `acquire failed in ${Date.now() - t0} ms`);
    await until(() => !a.isUp(), 1000, 'isUp() to turn false');
    assert.equal((await metrics.storeUp.get()).values[0]!.value, 0);
    await a.release('t-f', aRecs[0]!.id); // a session ended during the outage: no throw
    await assert.rejects(a.list(), PodShellError);

    await redis.start(); // empty: nothing was persisted
    await until(() => a.isUp() && b.isUp(), 5000, 'both stores to reconnect');
    await until(async () => (await a.count('t-f')) === 4, 3000, 'replicas to re-register their live sessions');
    assert.deepEqual(
      (await b.list({ tenant: 't-f' })).map((r) => r.id).sort(),
      [...aRecs.slice(1), ...bRecs].map((r) => r.id).sort(),
    );
    assert.equal((await metrics.storeUp.get()).values[0]!.value, 1);
    for (const r of aRecs.slice(1)) await a.release('t-f', r.id);
    for (const r of bRecs) await b.release('t-f', r.id);
    await closeAll();
    assert.deepEqual(await sessionKeys(redis.client()), []);
  });

  it('times out against a hung Redis and reconciles lost releases when it answers again', async () => {
    const a = await store('ha');
    const recs = [sessionRecord('t-h', 'ha'), sessionRecord('t-h', 'ha')];
    for (const r of recs) assert.ok((await a.acquire(request(r))).ok);
    redis.pause();
    try {
      const t0 = Date.now();
      await assert.rejects(a.acquire(request(sessionRecord('t-h', 'ha'))), PodShellError);
      assert.ok(Date.now() - t0 < 1000, `acquire failed in ${Date.now() - t0} ms`);
      await a.release('t-h', recs[0]!.id); // times out; kept for reconcile
    } finally {
      redis.resume();
    }
    // The data survived (a hang, not a restart): the lost release is applied by the next reconcile.
    await until(
      async () => (await redis.client().zcard('ps:{t-h}:sessions')) === 1,
      4000,
      'the lost release to be reconciled',
    );
    assert.deepEqual(
      (await a.list()).map((r) => r.id),
      [recs[1]!.id],
    );
    await a.release('t-h', recs[1]!.id);
    await closeAll();
    // A reaper lock taken by a command whose reply timed out lapses on its own TTL (one period).
    await until(async () => (await sessionKeys(redis.client())).length === 0, 2000, 'no registry keys left');
  });
});
