import { randomBytes } from 'node:crypto';
import type { SessionRecord } from '../store/session-store.js';

/**
 * A session record as the broker stores it, for store-level tests and benchmarks that drive a
 * SessionStore directly (no broker): a fresh random id, tenant and replica as given, expiry in a minute
 * unless `over` says otherwise.
 */
export function sessionRecord(tenant: string, replica: string, over: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: randomBytes(16).toString('base64url'),
    tenant,
    subject: 'alice',
    namespace: 'default',
    pod: 'web-0',
    container: 'app',
    replica,
    clientIp: '10.0.0.1',
    startedAt: now,
    expiresAt: now + 60_000,
    ...over,
  };
}
