import type { BrokerMetrics, GaugeKind, ResourceKind } from '../metrics/metrics.js';
import { BROKER_GAUGES, ENDING_GAUGES, RESOURCE_GAUGES } from '../metrics/metrics.js';

/**
 * The per-session resource counters, kept as plain numbers (the leak canary, /debug/resources and
 * tests read them synchronously) and mirrored into the Prometheus gauges. Rule: `inc` when the
 * resource is created, `dec` exactly once when it is released; callers guard the "exactly once"
 * with a flag on the resource itself.
 */
export class ResourceGauges {
  private readonly values: Record<GaugeKind, number> = {
    clientSockets: 0,
    upstreamSockets: 0,
    resizeHandlers: 0,
    sessionTimers: 0,
    sessionsConnecting: 0,
    shellCleanups: 0,
    storeSubscriptions: 0,
    fileTransfers: 0,
    sessionsInGrace: 0,
    replicaLinks: 0,
    observers: 0,
  };

  constructor(private readonly metrics: BrokerMetrics) {}

  inc(kind: GaugeKind): void {
    this.values[kind] += 1;
    this.metrics[kind].inc();
  }

  dec(kind: GaugeKind): void {
    this.values[kind] -= 1;
    this.metrics[kind].dec();
  }

  value(kind: GaugeKind): number {
    return this.values[kind];
  }

  /** The per-session resource gauges (what /debug/resources and the leak canary compare with sessions). */
  snapshot(): Record<ResourceKind, number> {
    const v = this.values;
    return {
      clientSockets: v.clientSockets,
      upstreamSockets: v.upstreamSockets,
      resizeHandlers: v.resizeHandlers,
      sessionTimers: v.sessionTimers,
    };
  }

  /** Every gauge this class keeps, for messages that explain why a broker is not idle. */
  snapshotAll(): Record<GaugeKind, number> {
    return { ...this.values };
  }

  /** True when every resource gauge, every connecting session, shell cleanup and file transfer is back to zero (an idle broker). */
  allZero(): boolean {
    return [...RESOURCE_GAUGES, ...ENDING_GAUGES].every((k) => this.values[k] === 0);
  }

  /** True when the broker holds nothing at all, its store subscriptions included (after drain or a failed start). */
  allReleased(): boolean {
    return this.allZero() && BROKER_GAUGES.every((k) => this.values[k] === 0);
  }
}

/**
 * The most of each resource one live session may hold: one client socket, one upstream socket,
 * one resize handler, and the timers (expiry, expiring warning, idle, upstream keepalive, trailing
 * resize, resume grace).
 */
export const PER_SESSION_BOUND: Readonly<Record<ResourceKind, number>> = Object.freeze({
  clientSockets: 1,
  upstreamSockets: 1,
  resizeHandlers: 1,
  sessionTimers: 6,
});
