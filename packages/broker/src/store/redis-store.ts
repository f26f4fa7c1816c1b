import { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import type {
  AcquireRequest,
  AcquireResult,
  ControlCommand,
  ExtendResult,
  LockRecord,
  ResumeClaim,
  SessionFilter,
  SessionRecord,
  SessionStore,
} from './session-store.js';
import { decodeLock, decodeRecord, encodeLock, encodeRecord } from './redis-codec.js';
import { defineScripts, orUnavailable, storeUnavailable, type ScriptedRedis } from './redis-commands.js';
import { RedisControlChannel } from './redis-control-channel.js';
import { redisConnectionOptions } from './redis-options.js';
import { RedisReaper } from './redis-reaper.js';
import { RedisReconciler } from './redis-reconcile.js';
import { keys } from './redis-scripts.js';

export { parseControlCommand } from './redis-codec.js';
export { redisConnectionOptions } from './redis-options.js';

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL; with Sentinels, only its credentials, db and TLS are used. */
  url?: string | undefined;
  sentinels?: ReadonlyArray<{ host: string; port: number }>;
  sentinelName?: string | undefined;
  /** Per-command timeout (REDIS_COMMAND_TIMEOUT_MS): acquire fails closed after it. */
  commandTimeoutMs: number;
  replicaId: string;
  heartbeatSeconds: number;
  logger: Logger;
  metrics?: Pick<BrokerMetrics, 'storeUp'>;
  /** How long a session hash outlives its expiry (a last-resort TTL; default 60 s). */
  graceMs?: number;
}

/**
 * The shared session registry on Redis (standalone or Sentinel). Any replica can count, list, shorten
 * and kill any session; quotas are exact across replicas because acquire is one Lua script. Fault
 * policy (docs/operations.md): with Redis down, acquire/get/list/count/publish throw
 * STORE_UNAVAILABLE at once; release never throws (a lost release is repaired by the next reconcile);
 * on reconnect, or whenever this replica's heartbeat key was found missing, the replica reconciles:
 * Redis then holds exactly the sessions this replica registered and has not released.
 * The store owns the connection, its health and its heartbeat; the control channel (pub/sub), the
 * reconcile ledger and the reaper of dead replicas are its parts, started and stopped by it.
 */
export class RedisStore implements SessionStore {
  readonly kind = 'redis' as const;
  private readonly redis: ScriptedRedis;
  private readonly channel: RedisControlChannel;
  private readonly reconciler: RedisReconciler;
  private readonly reaper: RedisReaper;
  private readonly log: Logger;
  private readonly graceMs: number;
  private readonly periodMs: number;
  private healthy = true;
  private beating: Promise<void> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private closing = false;
  private outageLogged = false;
  /** This replica's advertised replica-link URL ('' = none), written with every heartbeat. */
  private linkUrl = '';

  constructor(private readonly o: RedisStoreOptions) {
    this.log = o.logger.child({ component: 'redis-store', replica: o.replicaId });
    this.graceMs = o.graceMs ?? 60_000;
    this.periodMs = o.heartbeatSeconds * 1000;
    const { url, options } = redisConnectionOptions(o);
    this.redis = defineScripts(url ? new Redis(url, options) : new Redis(options));
    this.channel = new RedisControlChannel(this.redis, o.replicaId, this.log, () => {
      this.reconciler.markNeeded();
      void this.heartbeat();
    });
    this.reconciler = new RedisReconciler(this.redis, o.replicaId, this.graceMs, this.channel, this.log);
    this.reaper = new RedisReaper(this.redis, o.replicaId, this.periodMs, this.log);
    this.redis.on('ready', () => this.onReady());
    this.redis.on('close', () => this.onDown());
    this.redis.on('error', (err: Error) => {
      if (!this.outageLogged) this.log.warn('store.error', { err });
      this.outageLogged = true;
    });
    this.setUp(false);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.periodMs);
    this.heartbeatTimer.unref();
    this.reaper.schedule();
  }

  private setUp(up: boolean): void {
    this.o.metrics?.storeUp.set(up ? 1 : 0);
  }

  private onReady(): void {
    if (this.closed) return;
    if (this.outageLogged) this.log.info('store.reconnected');
    this.outageLogged = false;
    this.healthy = true;
    this.reconciler.markNeeded();
    this.setUp(true);
    void this.heartbeat();
  }

  private onDown(): void {
    this.setUp(false);
    this.reconciler.markNeeded();
  }

  isUp(): boolean {
    return !this.closed && this.redis.status === 'ready' && this.healthy;
  }

  /** Resolves once connected and subscribed to the control channel (tests, startup); rejects after `timeoutMs`. */
  async connected(timeoutMs = 5000): Promise<void> {
    if (this.redis.status !== 'ready')
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.redis.off('ready', onReady);
          reject(storeUnavailable('connect', new Error(`not connected after ${timeoutMs} ms`)));
        }, timeoutMs);
        const onReady = (): void => {
          clearTimeout(timer);
          resolve();
        };
        this.redis.once('ready', onReady);
      });
    await this.channel.subscribed;
    if (this.beating) await this.beating;
  }

  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    const rec = req.record;
    this.reconciler.acquireSent(rec);
    let reply: unknown[];
    try {
      reply = await this.redis.psAcquire(
        keys.tenantRate(rec.tenant),
        keys.ipRate(rec.clientIp),
        JSON.stringify(
          req.resumeHash === undefined ? encodeRecord(rec) : { ...encodeRecord(rec), resumeHash: req.resumeHash },
        ),
        req.maxConcurrent,
        req.tenantConnectsPerMinute,
        req.ipConnectsPerMinute,
        this.graceMs,
      );
    } catch (err) {
      // The script may have run before the reply was lost: let the next reconcile decide.
      this.reconciler.markNeeded();
      throw storeUnavailable('acquire', err);
    } finally {
      this.reconciler.acquireSettled(rec.id);
    }
    const [status, a, b] = reply as [string, unknown, unknown];
    if (status === 'ok') {
      this.reconciler.acquired(rec);
      return { ok: true };
    }
    if (status === 'rate_limited') {
      const message =
        a === 'ip'
          ? `Too many connections from your address (limit ${String(b)} per minute).`
          : `The tenant's connect rate limit (${String(b)} per minute) was reached.`;
      return { ok: false, reason: 'rate_limited', message };
    }
    if (status === 'locked') return { ok: false, reason: 'locked', message: String(a) };
    return {
      ok: false,
      reason: 'quota_exceeded',
      message: `The tenant's session quota (${String(a)} concurrent sessions) is reached.`,
    };
  }

  advertise(url: string): void {
    this.linkUrl = url;
    void this.heartbeat();
  }

  async replicaUrl(replica: string): Promise<string | null> {
    return orUnavailable('replica url', () => this.redis.get(`${keys.replica(replica)}:url`));
  }

  async takeResume(
    tenant: string,
    sessionId: string,
    subject: string,
    presentedHash: string,
    nextHash: string,
  ): Promise<ResumeClaim> {
    const reply = await orUnavailable('resume', () =>
      this.redis.psTakeResume(tenant, sessionId, subject, presentedHash, nextHash),
    );
    if (reply[0] === 'ok') return { ok: true, replica: reply[1] ?? '' };
    return { ok: false, reason: reply[0] === 'gone' ? 'gone' : 'mismatch' };
  }

  async release(tenant: string, sessionId: string): Promise<void> {
    this.reconciler.released(sessionId);
    try {
      await this.redis.psRelease(tenant, sessionId);
    } catch (err) {
      // Never thrown into the session lifecycle: the next reconcile removes what this replica no longer holds.
      this.reconciler.markNeeded();
      this.log.warn('store.release_failed', { tenant, session: sessionId, err });
    }
  }

  /**
   * Stores a new expiry (hash field, sorted-set score, TTLs). It does not publish: the holder calls
   * this itself on refresh, and whoever changes another replica's session (the admin API) publishes
   * `set-expiry` next — the holder's own updateExpiry then never echoes it back.
   */
  async updateExpiry(tenant: string, sessionId: string, expiresAt: number): Promise<void> {
    this.reconciler.expiryChanged(sessionId, expiresAt);
    try {
      await this.redis.psUpdateExpiry(tenant, sessionId, expiresAt, this.graceMs);
      this.reconciler.expiryStored(sessionId, expiresAt);
    } catch (err) {
      this.reconciler.markNeeded();
      throw storeUnavailable('update expiry', err);
    }
  }

  /** The holder's observer count, for listings (admin API); a failure only leaves the listing stale. */
  async setObservers(tenant: string, sessionId: string, count: number): Promise<void> {
    await orUnavailable('set observers', () => this.redis.psSetObservers(tenant, sessionId, count));
  }

  /** An operator's shortening (admin API): the limit is stored with the session, so every replica's refresh honours it. */
  limitExpiry(tenant: string, sessionId: string, limitAt: number): Promise<SessionRecord | null> {
    return orUnavailable('limit expiry', async () => {
      const reply = await this.redis.psLimitExpiry(tenant, sessionId, limitAt, this.graceMs);
      if (reply === 0) return null;
      return decodeRecord(await this.redis.hgetall(keys.session(tenant, sessionId)));
    });
  }

  /** A refresh: granted atomically, capped by the stored limit, refused after a kill or revoke. */
  async extendExpiry(tenant: string, sessionId: string, wantedExpiresAt: number): Promise<ExtendResult> {
    const [status, value] = await orUnavailable('extend expiry', () =>
      this.redis.psExtendExpiry(tenant, sessionId, wantedExpiresAt, this.graceMs),
    );
    if (status === 'killed' || status === 'locked')
      return { ok: false, reason: status, ...(value ? { message: value } : {}) };
    if (status !== 'ok') return { ok: false, reason: 'gone' };
    const expiresAt = Number(value);
    this.reconciler.expiryChanged(sessionId, expiresAt);
    this.reconciler.expiryStored(sessionId, expiresAt);
    return { ok: true, expiresAt };
  }

  createLock(lock: LockRecord): Promise<void> {
    return orUnavailable('create lock', async () => {
      await this.redis.psLockCreate(lock.tenant, lock.id, encodeLock(lock));
    });
  }

  listLocks(tenant?: string): Promise<LockRecord[]> {
    return orUnavailable('list locks', async () => {
      const rows = await this.redis.psLockList(tenant ?? '');
      return rows
        .map(decodeLock)
        .filter((l): l is LockRecord => l !== null)
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    });
  }

  removeLock(id: string, tenant?: string): Promise<LockRecord | null> {
    return orUnavailable('remove lock', async () => {
      const removed = await this.redis.psLockRemove(id, tenant ?? '');
      return removed === null ? null : decodeLock(removed);
    });
  }

  get(sessionId: string): Promise<SessionRecord | null> {
    return orUnavailable('get', async () => {
      const tenant = await this.redis.get(keys.sid(sessionId));
      if (tenant === null) return null;
      return decodeRecord(await this.redis.hgetall(keys.session(tenant, sessionId)));
    });
  }

  list(filter: SessionFilter = {}): Promise<SessionRecord[]> {
    return orUnavailable('list', async () => {
      const tenants =
        filter.tenant !== undefined ? [filter.tenant] : (await this.redis.smembers(keys.tenants())).sort();
      const out: SessionRecord[] = [];
      for (const tenant of tenants) {
        const ids = await this.redis.psLiveIds(tenant); // what the quota counts
        if (ids.length === 0) continue;
        const pipe = this.redis.pipeline();
        for (const id of ids) pipe.hgetall(keys.session(tenant, id));
        for (const [err, h] of (await pipe.exec()) ?? []) {
          if (err) throw err;
          const rec = decodeRecord(h as Record<string, string>);
          if (rec && (filter.subject === undefined || rec.subject === filter.subject)) out.push(rec);
        }
      }
      return out.sort((x, y) => x.startedAt - y.startedAt || x.id.localeCompare(y.id));
    });
  }

  count(tenant: string): Promise<number> {
    return orUnavailable('count', () => this.redis.psCount(tenant));
  }

  /** Publishes; kills and revokes also leave a marker, so a replica that missed the message applies it on reconnect. */
  publish(command: ControlCommand): Promise<void> {
    return this.channel.publish(command);
  }

  subscribe(handler: (command: ControlCommand) => void): () => void {
    return this.channel.subscribe(handler);
  }

  /** One heartbeat; reconciles when asked to or when the heartbeat key had lapsed. Never throws. */
  heartbeat(): Promise<void> {
    if (this.closed || this.closing) return Promise.resolve();
    if (this.beating) return this.beating;
    this.beating = (async () => {
      try {
        const existed = await this.redis.psHeartbeat(this.o.replicaId, 2 * this.periodMs, this.linkUrl);
        if (existed === 0) this.reconciler.markNeeded();
        await this.reconciler.repairIfNeeded();
        this.healthy = true;
        this.setUp(this.redis.status === 'ready');
      } catch (err) {
        this.healthy = false;
        this.setUp(false);
        this.log.debug('store.heartbeat_failed', { err });
      } finally {
        this.beating = null;
      }
    })();
    return this.beating;
  }

  /**
   * Registers the handler told about sessions this replica reaped from a dead replica (the broker
   * ends their remote shells: the dead replica cannot). Returns an unsubscribe function.
   */
  onReaped(handler: (records: SessionRecord[]) => void): () => void {
    return this.reaper.onReaped(handler);
  }

  /** Removes the sessions of replicas whose heartbeat key is gone. One replica at a time (short lock). Never throws. */
  async reap(): Promise<number> {
    if (this.closed) return 0;
    return this.reaper.reap();
  }

  /**
   * Stops timers and both connections. `leave` (default true) drops this replica's heartbeat so the
   * others reap anything it still held; tests pass `leave: false` to imitate a crash.
   */
  async close(options: { leave?: boolean } = {}): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    const reaperStopped = this.reaper.stop();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await reaperStopped; // never leave the reaper lock behind
    if (this.beating) await this.beating;
    if (options.leave !== false && this.redis.status === 'ready') {
      try {
        await this.redis.psLeave(this.o.replicaId);
      } catch (err) {
        this.log.debug('store.leave_failed', { err });
      }
    }
    this.closed = true;
    this.channel.stopDelivering();
    this.setUp(false);
    this.redis.disconnect();
    this.channel.disconnect();
  }
}
