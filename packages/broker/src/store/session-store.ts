/**
 * The session registry shared by all broker replicas. Two implementations: `MemoryStore` (single
 * replica, used when REDIS_URL is unset) and `RedisStore` (many replicas). Every key/record carries the
 * tenant; any replica can count, list, shorten and kill any session.
 */

/** What the registry keeps about one live session. No token, no terminal content. */
export interface SessionRecord {
  /** 128-bit random id, base64url. */
  id: string;
  tenant: string;
  subject: string;
  namespace: string;
  pod: string;
  container: string;
  /** The replica holding the client socket (its `REPLICA_ID`). */
  replica: string;
  /** Client IP as the broker saw it (after trusted-proxy handling). */
  clientIp: string;
  startedAt: number;
  /** Epoch ms when the session must be force-closed; an operator may shorten it. */
  expiresAt: number;
  /**
   * Epoch ms an operator (or the tenant's admin) capped the session at, if any. A refresh never
   * moves `expiresAt` past it, whichever replica holds the session (issue 8 item 1).
   */
  limitAt?: number;
  /** Read-only observers watching it now (absent until the first one attached; kept by its holder). */
  observers?: number;
}

/** What a refresh may do to a live session's expiry, decided atomically by the store. */
export type ExtendResult =
  | { ok: true; expiresAt: number }
  /** The session was killed or revoked (a marker exists), or its entry is gone: it must not be extended. */
  | { ok: false; reason: 'killed' | 'gone' | 'locked'; message?: string };

export type AcquireResult =
  { ok: true } | { ok: false; reason: 'quota_exceeded' | 'rate_limited' | 'locked'; message: string };

/**
 * A lock (like Teleport's): while it holds, no session of its tenant that matches every field it
 * sets (subject, namespace, pod) may start or be refreshed. A lock without subject, namespace and
 * pod locks the whole tenant.
 */
export interface LockRecord {
  /** Random id, base64url. */
  id: string;
  tenant: string;
  subject?: string;
  namespace?: string;
  pod?: string;
  /** Shown to the locked-out user (closing frame, 4403). */
  message: string;
  createdAt: number;
  /** Epoch ms when the lock lapses; absent = until removed. */
  expiresAt?: number;
  /** Who created it: `operator` (ADMIN_TOKEN) or `tenant` (the tenant's own admin token). */
  createdBy: string;
}

/** Whether a lock covers a session of its tenant (the same rule runs in Lua, redis-scripts.ts). */
export function lockMatches(
  lock: LockRecord,
  s: { tenant: string; subject: string; namespace: string; pod: string },
  now: number,
): boolean {
  return (
    lock.tenant === s.tenant &&
    (lock.expiresAt === undefined || lock.expiresAt > now) &&
    (lock.subject === undefined || lock.subject === s.subject) &&
    (lock.namespace === undefined || lock.namespace === s.namespace) &&
    (lock.pod === undefined || lock.pod === s.pod)
  );
}

export interface AcquireRequest {
  record: SessionRecord;
  /** The tenant's concurrent session cap. */
  maxConcurrent: number;
  /** The tenant's connects-per-minute cap (0 = unlimited). */
  tenantConnectsPerMinute: number;
  /** The per-client-IP connects-per-minute cap (0 = unlimited). */
  ipConnectsPerMinute: number;
  /**
   * SHA-256 (hex) of the session's first resume secret, when the client can resume. Kept beside
   * the record, never returned by get/list (docs/security.md, resume credentials).
   */
  resumeHash?: string;
}

/** What a resume claim found: the replica holding the session, or a refusal (one answer for every cause). */
export type ResumeClaim = { ok: true; replica: string } | { ok: false; reason: 'gone' | 'mismatch' };

/** A control command delivered to every replica; the replica holding a matching session acts on it. */
export type ControlCommand =
  | { kind: 'kill'; sessionId: string; message?: string }
  | { kind: 'kill-subject'; tenant: string; subject: string; message?: string }
  | { kind: 'kill-tenant'; tenant: string; message?: string }
  | { kind: 'set-expiry'; sessionId: string; expiresAt: number };

export interface SessionFilter {
  tenant?: string;
  subject?: string;
}

export interface SessionStore {
  /** `memory` or `redis`; shown in the log and in /readyz. */
  readonly kind: 'memory' | 'redis';
  /** Atomically: drop the tenant's expired entries, check rate limits and the concurrent quota, register. Throws when the store is unreachable. */
  acquire(req: AcquireRequest): Promise<AcquireResult>;
  /**
   * Stores a lock. New sessions it matches are refused from now on (acquire checks the locks in the
   * same atomic step); live ones are ended by the caller (admin API) with kills.
   */
  createLock(lock: LockRecord): Promise<void>;
  /** Locks in force (lapsed ones are dropped), of one tenant or all. */
  listLocks(tenant?: string): Promise<LockRecord[]>;
  /** Removes a lock; returns it, or null when there is none with that id (in that tenant, when given). */
  removeLock(id: string, tenant?: string): Promise<LockRecord | null>;
  /** Removes the session; idempotent; never throws for a missing id. */
  release(tenant: string, sessionId: string): Promise<void>;
  /** Updates the stored expiry (the holder re-stating its own deadline; never past a stored limit). */
  updateExpiry(tenant: string, sessionId: string, expiresAt: number): Promise<void>;
  /** Records how many observers watch a live session (for listings); nothing when the session is gone. */
  setObservers(tenant: string, sessionId: string, count: number): Promise<void>;
  /**
   * An operator's shortening: records the limit (the earlier of the old and new one) and moves the
   * expiry down to it. Returns the updated record, or null when the session is not live.
   */
  limitExpiry(tenant: string, sessionId: string, limitAt: number): Promise<SessionRecord | null>;
  /**
   * A refresh asks for `wantedExpiresAt`: in one atomic step the store refuses when the session was
   * killed or revoked (its marker exists) or is gone, and otherwise grants the wanted expiry capped
   * by any stored limit. Throws STORE_UNAVAILABLE when the store does not answer.
   */
  extendExpiry(tenant: string, sessionId: string, wantedExpiresAt: number): Promise<ExtendResult>;
  /**
   * A resume: in one atomic step, checks that the session of this tenant is live, belongs to
   * `subject` and that `presentedHash` is its current resume hash, and replaces the hash with
   * `nextHash` (so a credential works once). Throws STORE_UNAVAILABLE when the store does not answer.
   */
  takeResume(
    tenant: string,
    sessionId: string,
    subject: string,
    presentedHash: string,
    nextHash: string,
  ): Promise<ResumeClaim>;
  get(sessionId: string): Promise<SessionRecord | null>;
  list(filter?: SessionFilter): Promise<SessionRecord[]>;
  /** Number of live sessions a tenant holds (what the quota counts). */
  count(tenant: string): Promise<number>;
  /** Publishes a control command to every replica (this one included). */
  publish(command: ControlCommand): Promise<void>;
  /** Registers the handler for control commands; returns an unsubscribe function. One handler per broker. */
  subscribe(handler: (command: ControlCommand) => void): () => void;
  /**
   * Optional (shared stores only): registers the handler told about sessions this replica removed
   * because their replica died (heartbeat lapsed), so it can end their remote shells. Returns an
   * unsubscribe function.
   */
  onReaped?(handler: (records: SessionRecord[]) => void): () => void;
  /**
   * Optional (shared stores only): publishes where other replicas reach this one for replica links
   * (resume through any replica), refreshed with the heartbeat and gone when the replica is.
   */
  advertise?(url: string): void;
  /** Optional (shared stores only): a live replica's advertised link URL, null when it is gone or has none. */
  replicaUrl?(replica: string): Promise<string | null>;
  /** Whether the store currently answers (feeds /readyz and podshell_store_up). */
  isUp(): boolean;
  /** Stops timers and connections. The store must not keep the process alive after this. */
  close(): Promise<void>;
}
