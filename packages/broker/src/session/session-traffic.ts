import type { BrokerMetrics } from '../metrics/metrics.js';

/**
 * A session's relayed payload bytes and its last activity. Only real terminal bytes count — stdin
 * the user typed, stdout/stderr the container wrote — never control, resize or keepalive frames:
 * they feed the idle timeout, the audit totals and `podshell_bytes_total`.
 */
export class SessionTraffic {
  bytesIn = 0;
  bytesOut = 0;
  /** Epoch ms of the last stdin or stdout payload (the session's start until then). */
  lastActivity = Date.now();

  constructor(private readonly metrics: Pick<BrokerMetrics, 'bytes'>) {}

  stdin(payloadBytes: number): void {
    this.bytesIn += payloadBytes;
    this.lastActivity = Date.now();
    this.metrics.bytes.inc({ direction: 'stdin' }, payloadBytes);
  }

  stdout(payloadBytes: number): void {
    this.bytesOut += payloadBytes;
    this.lastActivity = Date.now();
    this.metrics.bytes.inc({ direction: 'stdout' }, payloadBytes);
  }
}
