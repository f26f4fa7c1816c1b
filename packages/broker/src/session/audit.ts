import type { Logger } from '../log/logger.js';
import type { CloseInfo } from './closing.js';
import type { SessionWho } from './session-identity.js';

/** The audit view of a session: who, what, where. Never the token. */
export interface AuditSubject extends SessionWho {
  session: string;
  command: readonly string[];
  clientIp: string;
}

/** Exactly one `session.start` per session: logged when the relay begins (upstream open, client attached). */
export function auditStart(logger: Logger, s: AuditSubject, expiresAt: number): void {
  logger.info('session.start', { ...s, command: [...s.command], expiresAt: new Date(expiresAt).toISOString() });
}

export interface AuditTotals {
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
}

/** Exactly one `session.end` per started session, from its single dispose. */
export function auditEnd(logger: Logger, s: AuditSubject, close: CloseInfo, totals: AuditTotals): void {
  logger.info('session.end', {
    ...s,
    command: [...s.command],
    bytesIn: totals.bytesIn,
    bytesOut: totals.bytesOut,
    durationMs: totals.durationMs,
    exitCode: close.exitCode ?? null,
    closeCode: close.code,
    closeReason: close.reason,
    closeMessage: close.message,
  });
}

/** A session refused after authentication (quota, store, upstream refusal, client gone): not started, so no start/end pair. */
export function auditRejected(logger: Logger, s: AuditSubject, close: CloseInfo): void {
  logger.info('session.rejected', {
    ...s,
    command: [...s.command],
    closeCode: close.code,
    closeReason: close.reason,
    closeMessage: close.message,
  });
}
