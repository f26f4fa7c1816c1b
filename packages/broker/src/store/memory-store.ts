import {
  lockMatches,
  type AcquireRequest,
  type AcquireResult,
  type ControlCommand,
  type ExtendResult,
  type ResumeClaim,
  type LockRecord,
  type SessionFilter,
  type SessionRecord,
  type SessionStore,
} from './session-store.js';

const MINUTE_MS = 60_000;

/**
 * Sliding one-minute connect counters per key. Each key keeps only the timestamps of the last
 * minute (at most its cap), and a key with none left is deleted, so memory follows live traffic.
 */
class SlidingMinute {
  private readonly hits = new Map<string, number[]>();

  /** Records a hit unless `limit` hits already happened in the last minute (limit 0 = unlimited). */
  tryHit(key: string, limit: number, now: number): boolean {
    if (limit <= 0) return true;
    const list = this.prune(key, now);
    if (list.length >= limit) return false;
    list.push(now);
    this.hits.set(key, list);
    return true;
  }

  private prune(key: string, now: number): number[] {
    const list = this.hits.get(key) ?? [];
    let i = 0;
    while (i < list.length && list[i]! <= now - MINUTE_MS) i++;
    const kept = i === 0 ? list : list.slice(i);
    if (kept.length === 0) this.hits.delete(key);
    return kept;
  }

  sweep(now: number): void {
    for (const key of [...this.hits.keys()]) this.prune(key, now);
  }

  get keys(): number {
    return this.hits.size;
  }
}

/**
 * The single-replica session store (REDIS_URL unset): per-tenant quota, tenant and client-IP connect
 * rates over a sliding minute, expiry updates, and in-process publish/subscribe. Everything lives
 * in this process, so it cannot coordinate replicas: the broker logs "memory store: single replica"
 * and /readyz says so.
 */
export class MemoryStore implements SessionStore {
  readonly kind = 'memory' as const;
  private readonly byTenant = new Map<string, Map<string, SessionRecord>>();
  private readonly byId = new Map<string, SessionRecord>();
  private readonly tenantRate = new SlidingMinute();
  private readonly ipRate = new SlidingMinute();
  private readonly handlers = new Set<(command: ControlCommand) => void>();
  private readonly locks = new Map<string, LockRecord>();
  /** Live sessions killed or revoked (id → message), until they are released. */
  private readonly killed = new Map<string, string>();
  /** Current resume hash of each resumable live session (id → SHA-256 hex). */
  private readonly resumeHashes = new Map<string, string>();
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {}

  acquire(req: AcquireRequest): Promise<AcquireResult> {
    const { record } = req;
    const now = this.now();
    this.dropExpired(record.tenant, now);
    const lock = this.lockFor(record, now);
    if (lock !== undefined) return Promise.resolve({ ok: false, reason: 'locked', message: lock.message });
    const tenantSessions = this.byTenant.get(record.tenant);
    if ((tenantSessions?.size ?? 0) >= req.maxConcurrent) {
      return Promise.resolve({
        ok: false,
        reason: 'quota_exceeded',
        message: `tenant ${record.tenant} already has ${req.maxConcurrent} open sessions (its limit)`,
      });
    }
    if (!this.ipRate.tryHit(record.clientIp, req.ipConnectsPerMinute, now)) {
      return Promise.resolve({
        ok: false,
        reason: 'rate_limited',
        message: `too many connects from ${record.clientIp} in the last minute (limit ${req.ipConnectsPerMinute})`,
      });
    }
    if (!this.tenantRate.tryHit(record.tenant, req.tenantConnectsPerMinute, now)) {
      return Promise.resolve({
        ok: false,
        reason: 'rate_limited',
        message: `tenant ${record.tenant} exceeded ${req.tenantConnectsPerMinute} connects per minute`,
      });
    }
    const map = tenantSessions ?? new Map<string, SessionRecord>();
    map.set(record.id, { ...record });
    this.byTenant.set(record.tenant, map);
    this.byId.set(record.id, map.get(record.id)!);
    if (req.resumeHash !== undefined) this.resumeHashes.set(record.id, req.resumeHash);
    return Promise.resolve({ ok: true });
  }

  /** A session whose expiry passed is no longer counted (its broker closes it; this guards a crash). */
  private dropExpired(tenant: string, now: number): void {
    const map = this.byTenant.get(tenant);
    if (map === undefined) return;
    for (const [id, rec] of map) {
      if (rec.expiresAt <= now) {
        map.delete(id);
        this.byId.delete(id);
        this.killed.delete(id);
        this.resumeHashes.delete(id);
      }
    }
    if (map.size === 0) this.byTenant.delete(tenant);
  }

  release(tenant: string, sessionId: string): Promise<void> {
    const map = this.byTenant.get(tenant);
    if (map?.delete(sessionId) === true) this.byId.delete(sessionId);
    this.killed.delete(sessionId);
    if (map?.has(sessionId) !== true) this.resumeHashes.delete(sessionId);
    if (map !== undefined && map.size === 0) this.byTenant.delete(tenant);
    this.tenantRate.sweep(this.now());
    this.ipRate.sweep(this.now());
    return Promise.resolve();
  }

  updateExpiry(tenant: string, sessionId: string, expiresAt: number): Promise<void> {
    const rec = this.byTenant.get(tenant)?.get(sessionId);
    if (rec !== undefined) rec.expiresAt = Math.min(expiresAt, rec.limitAt ?? expiresAt);
    return Promise.resolve();
  }

  setObservers(tenant: string, sessionId: string, count: number): Promise<void> {
    const rec = this.byTenant.get(tenant)?.get(sessionId);
    if (rec !== undefined) rec.observers = count;
    return Promise.resolve();
  }

  limitExpiry(tenant: string, sessionId: string, limitAt: number): Promise<SessionRecord | null> {
    const rec = this.byTenant.get(tenant)?.get(sessionId);
    if (rec === undefined) return Promise.resolve(null);
    rec.limitAt = Math.min(limitAt, rec.limitAt ?? limitAt);
    rec.expiresAt = Math.min(rec.expiresAt, rec.limitAt);
    return Promise.resolve({ ...rec });
  }

  extendExpiry(tenant: string, sessionId: string, wantedExpiresAt: number): Promise<ExtendResult> {
    const rec = this.byTenant.get(tenant)?.get(sessionId);
    if (rec === undefined) return Promise.resolve({ ok: false, reason: 'gone' });
    const killed = this.killed.get(sessionId);
    if (killed !== undefined)
      return Promise.resolve({ ok: false, reason: 'killed', ...(killed !== '' ? { message: killed } : {}) });
    const lock = this.lockFor(rec, this.now());
    if (lock !== undefined) return Promise.resolve({ ok: false, reason: 'locked', message: lock.message });
    rec.expiresAt = Math.min(wantedExpiresAt, rec.limitAt ?? wantedExpiresAt);
    return Promise.resolve({ ok: true, expiresAt: rec.expiresAt });
  }

  takeResume(
    tenant: string,
    sessionId: string,
    subject: string,
    presentedHash: string,
    nextHash: string,
  ): Promise<ResumeClaim> {
    const rec = this.byTenant.get(tenant)?.get(sessionId);
    if (rec === undefined || rec.expiresAt <= this.now()) return Promise.resolve({ ok: false, reason: 'gone' });
    if (rec.subject !== subject || this.resumeHashes.get(sessionId) !== presentedHash)
      return Promise.resolve({ ok: false, reason: 'mismatch' });
    this.resumeHashes.set(sessionId, nextHash);
    return Promise.resolve({ ok: true, replica: rec.replica });
  }

  createLock(lock: LockRecord): Promise<void> {
    this.locks.set(lock.id, { ...lock });
    return Promise.resolve();
  }

  listLocks(tenant?: string): Promise<LockRecord[]> {
    this.dropLapsedLocks(this.now());
    return Promise.resolve(
      [...this.locks.values()].filter((l) => tenant === undefined || l.tenant === tenant).map((l) => ({ ...l })),
    );
  }

  removeLock(id: string, tenant?: string): Promise<LockRecord | null> {
    const lock = this.locks.get(id);
    if (lock === undefined || (tenant !== undefined && lock.tenant !== tenant)) return Promise.resolve(null);
    this.locks.delete(id);
    return Promise.resolve(lock);
  }

  private lockFor(rec: SessionRecord, now: number): LockRecord | undefined {
    this.dropLapsedLocks(now);
    return [...this.locks.values()].find((l) => lockMatches(l, rec, now));
  }

  private dropLapsedLocks(now: number): void {
    for (const [id, l] of this.locks) if (l.expiresAt !== undefined && l.expiresAt <= now) this.locks.delete(id);
  }

  /** Kills and revokes mark their sessions at once, so a refresh racing the delivery is refused (like the Redis markers). */
  private markKilled(command: ControlCommand): void {
    if (command.kind === 'set-expiry') return;
    for (const rec of this.byId.values()) {
      const hit =
        command.kind === 'kill'
          ? rec.id === command.sessionId
          : command.kind === 'kill-subject'
            ? rec.tenant === command.tenant && rec.subject === command.subject
            : rec.tenant === command.tenant;
      if (hit) this.killed.set(rec.id, command.message ?? '');
    }
  }

  get(sessionId: string): Promise<SessionRecord | null> {
    const rec = this.byId.get(sessionId);
    return Promise.resolve(rec === undefined ? null : { ...rec });
  }

  list(filter: SessionFilter = {}): Promise<SessionRecord[]> {
    const out: SessionRecord[] = [];
    for (const rec of this.byId.values()) {
      if (filter.tenant !== undefined && rec.tenant !== filter.tenant) continue;
      if (filter.subject !== undefined && rec.subject !== filter.subject) continue;
      out.push({ ...rec });
    }
    return Promise.resolve(out.sort((a, b) => a.startedAt - b.startedAt));
  }

  count(tenant: string): Promise<number> {
    return Promise.resolve(this.byTenant.get(tenant)?.size ?? 0);
  }

  /** Delivers to every handler on a later microtask, as a remote broadcast would. */
  publish(command: ControlCommand): Promise<void> {
    this.markKilled(command);
    const handlers = [...this.handlers];
    queueMicrotask(() => {
      for (const h of handlers) h(command);
    });
    return Promise.resolve();
  }

  subscribe(handler: (command: ControlCommand) => void): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  isUp(): boolean {
    return !this.closed;
  }

  close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    return Promise.resolve();
  }

  /** For /debug and tests: how many rate-limit keys are held (must fall back to 0 when idle). */
  rateKeys(): number {
    return this.tenantRate.keys + this.ipRate.keys;
  }
}
