import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import { auditEnd, auditRejected, auditStart, type AuditSubject } from './audit.js';
import type { CloseInfo } from './closing.js';

type SessionMetrics = Pick<
  BrokerMetrics,
  'sessionsStarted' | 'sessionsActive' | 'sessionsEnded' | 'sessionDuration' | 'authFailures'
>;

/**
 * How a session is accounted for: the session metrics and the audit lines always move together. A
 * session that started (client attached, upstream open) counts once in started/active and logs one
 * `session.start`; it ends with exactly one `session.end`, its duration and its close reason. A session
 * refused before it started is an auth failure with one `session.rejected`, and nothing else.
 */
export class SessionAccounting {
  constructor(
    private readonly metrics: SessionMetrics,
    private readonly logger: Logger,
    private readonly subject: AuditSubject,
  ) {}

  started(expiresAt: number): void {
    this.metrics.sessionsStarted.inc();
    this.metrics.sessionsActive.inc();
    auditStart(this.logger, this.subject, expiresAt);
  }

  ended(info: CloseInfo, startedAt: number, bytes: { bytesIn: number; bytesOut: number }): void {
    const { metrics } = this;
    metrics.sessionsActive.dec();
    metrics.sessionsEnded.inc({ reason: info.reason });
    const durationMs = Date.now() - startedAt;
    metrics.sessionDuration.observe(durationMs / 1000);
    auditEnd(this.logger, this.subject, info, { bytesIn: bytes.bytesIn, bytesOut: bytes.bytesOut, durationMs });
  }

  rejected(info: CloseInfo): void {
    this.metrics.authFailures.inc({ reason: info.reason });
    auditRejected(this.logger, this.subject, info);
  }
}
