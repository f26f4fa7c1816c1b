import type { Logger } from '../log/logger.js';
import { RESOURCE_GAUGES, type BrokerMetrics, type ResourceKind } from '../metrics/metrics.js';
import { PER_SESSION_BOUND, type ResourceGauges } from './resource-gauges.js';

/**
 * The leak canary: every `periodMs` it compares each resource gauge with its per-session bound ×
 * live sessions. A gauge whose excess over that bound stays for longer than `windowMs` without
 * shrinking sets `podshell_leak_suspected` to 1 and logs once; it returns to 0 when every gauge is
 * back in bounds. An excess that shrinks is resources still being released (after a mass close, an
 * upstream socket stays counted until the API server answers its close, while its session has
 * already left the live count): each drop restarts the window, so only an excess that holds or grows
 * for a whole window — what a leak looks like — is reported.
 * (The classic client-go web shell leaked one resize goroutine per closed session: that shape shows
 * here as `podshell_resize_handlers` above the live session count.)
 */
export class LeakCanary {
  private readonly aboveSince = new Map<ResourceKind, number>();
  private readonly lastExcess = new Map<ResourceKind, number>();
  private readonly reported = new Set<ResourceKind>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly gauges: ResourceGauges,
    private readonly liveSessions: () => number,
    private readonly metrics: BrokerMetrics,
    private readonly logger: Logger,
    private readonly windowMs: number,
  ) {}

  start(periodMs = Math.min(5000, Math.max(100, this.windowMs / 4))): void {
    if (this.timer !== null) return;
    this.metrics.leakSuspected.set(0);
    this.timer = setInterval(() => this.check(), periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check (exposed for tests). Returns the kinds currently suspected. */
  check(now = Date.now()): ResourceKind[] {
    const live = this.liveSessions();
    for (const kind of RESOURCE_GAUGES) {
      const value = this.gauges.value(kind);
      const bound = PER_SESSION_BOUND[kind] * live;
      if (value <= bound) {
        this.aboveSince.delete(kind);
        this.lastExcess.delete(kind);
        this.reported.delete(kind);
        continue;
      }
      const excess = value - bound;
      const previous = this.lastExcess.get(kind);
      this.lastExcess.set(kind, excess);
      // Still draining: the window starts again from here (a reported leak stays reported while above).
      if (previous !== undefined && excess < previous && !this.reported.has(kind)) this.aboveSince.set(kind, now);
      const since = this.aboveSince.get(kind) ?? now;
      this.aboveSince.set(kind, since);
      if (now - since >= this.windowMs && !this.reported.has(kind)) {
        this.reported.add(kind);
        this.logger.warn('leak.suspected', {
          resource: kind,
          value,
          bound,
          liveSessions: live,
          aboveForMs: now - since,
        });
      }
    }
    const suspected = [...this.reported];
    this.metrics.leakSuspected.set(suspected.length > 0 ? 1 : 0);
    return suspected;
  }
}
