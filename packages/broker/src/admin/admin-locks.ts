import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { lockMatches, type LockRecord, type SessionStore } from '../store/session-store.js';

/** What a user locked out is told when the lock carries no message of its own. */
export const DEFAULT_LOCK_MESSAGE = 'Access to this terminal is locked by an administrator.';

export interface NewLock {
  tenant: string;
  subject?: string;
  namespace?: string;
  pod?: string;
  message?: string;
  /** Epoch ms; absent = until removed. */
  expiresAt?: number;
  createdBy: string;
}

/**
 * Creates a lock (docs/admin-api.md, "Locks"), then ends the live sessions it covers. Order matters:
 * the lock is stored first, so a session acquiring at the same moment is either refused by the lock
 * (acquire checks it atomically) or already registered and found by the listing below. The live
 * sessions are ended with kills, which leave markers: a replica that missed the broadcast still
 * ends them (on reconnect, or at the session's next refresh).
 */
export async function createLock(
  store: SessionStore,
  logger: Logger,
  req: NewLock,
  now: number,
): Promise<{ lock: LockRecord; ended: string[] }> {
  const lock: LockRecord = {
    id: randomBytes(12).toString('base64url'),
    tenant: req.tenant,
    ...(req.subject !== undefined ? { subject: req.subject } : {}),
    ...(req.namespace !== undefined ? { namespace: req.namespace } : {}),
    ...(req.pod !== undefined ? { pod: req.pod } : {}),
    message: req.message ?? DEFAULT_LOCK_MESSAGE,
    createdAt: now,
    ...(req.expiresAt !== undefined ? { expiresAt: req.expiresAt } : {}),
    createdBy: req.createdBy,
  };
  await store.createLock(lock);
  const live = await store.list(
    lock.subject !== undefined ? { tenant: lock.tenant, subject: lock.subject } : { tenant: lock.tenant },
  );
  const covered = live.filter((s) => lockMatches(lock, s, now));
  for (const s of covered) await store.publish({ kind: 'kill', sessionId: s.id, message: lock.message });
  logger.info('admin.lock', {
    lock: lock.id,
    tenant: lock.tenant,
    subject: lock.subject,
    namespace: lock.namespace,
    pod: lock.pod,
    expiresAt: lock.expiresAt,
    createdBy: lock.createdBy,
    sessionsEnded: covered.length,
  });
  return { lock, ended: covered.map((s) => s.id) };
}
