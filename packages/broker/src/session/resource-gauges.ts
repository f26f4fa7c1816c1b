import type { BrokerMetrics, ResourceKind } from '../metrics/metrics.js';
import { RESOURCE_GAUGES } from '../metrics/metrics.js';

/**
 * The per-session resource counters, kept as plain numbers (the leak canary, /debug/resources and
 * tests read them synchronously) and mirrored into the Prometheus gauges. Rule: `inc` when the
 * resource is created, `dec` exactly once when it is released; callers guard the "exactly once"
 * with a flag on the resource itself.
 */
export class ResourceGauges {
  private readonly values: Record<ResourceKind, number> = { clientSockets: 0, upstreamSockets: 0, resizeHandlers: 0, sessionTimers: 0 };

  constructor(private readonly metrics: BrokerMetrics) {}

  inc(kind: ResourceKind): void {
    this.values[kind] += 1;
    this.metrics[kind].inc();
  }

  dec(kind: ResourceKind): void {
    this.values[kind] -= 1;
    this.metrics[kind].dec();
  }

  value(kind: ResourceKind): number {
    return this.values[kind];
  }

  snapshot(): Record<ResourceKind, number> {
    return { ...this.values };
  }

  /** True when every resource gauge is back to zero. */
  allZero(): boolean {
    return RESOURCE_GAUGES.every((k) => this.values[k] === 0);
  }
}

/**
 * The most of each resource one live session may hold: one client socket, one upstream socket,
 * one resize handler, and the timers (expiry, expiring warning, idle, upstream keepalive, trailing resize).
 */
export const PER_SESSION_BOUND: Readonly<Record<ResourceKind, number>> = Object.freeze({
  clientSockets: 1,
  upstreamSockets: 1,
  resizeHandlers: 1,
  sessionTimers: 5,
});
