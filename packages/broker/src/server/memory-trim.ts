import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '../log/logger.js';

/**
 * Gives memory back after a peak. V8 collects garbage when JavaScript allocates; a broker whose
 * sessions just closed allocates almost nothing, so the garbage of thousands of closed sessions
 * (measured: 40–50 MB of JS heap after 3,000 sessions, all of it collectable) would stay until the next
 * burst of traffic, and an operator sizing pods would see a replica that never shrinks. So when the live
 * session count has fallen by at least `afterSessions` below its peak and then held still (and so have
 * the resources sessions hold: the teardown is over) for `settleMs`, this runs one full garbage
 * collection (25–460 ms measured on a 76–90 MB heap, only when sessions stopped changing). Native memory
 * freed by the closed sockets and TLS connections is returned by the allocator the image ships
 * (jemalloc with a background purge thread; docs/operations.md, "Memory after a peak").
 */
export interface MemoryTrimOptions {
  /** MEMORY_TRIM_AFTER_SESSIONS: sessions closed since the peak that make a trim due; 0 = never. */
  afterSessions: number;
  /** MEMORY_TRIM_SETTLE_MS: how long the session count must hold still before the trim runs. */
  settleMs: number;
  liveSessions: () => number;
  /** Resources sessions hold (the resource gauges' sum): teardown is over when it holds still too. */
  heldResources: () => number;
  logger: Logger;
  /** How often the session count is sampled (default 1 s). */
  periodMs?: number;
}

type FullGc = () => void;

/** The engine's full collection: `gc` from --expose-gc when set, else enabled now for a fresh context. */
export function fullGc(): FullGc {
  const exposed = (globalThis as { gc?: () => void }).gc;
  // No arguments: a forced full collection. (Node 20's V8 reads the option-object form as something
  // lighter: measured, `gc({ type: 'major', execution: 'sync' })` left the garbage in place.)
  return exposed ?? (setFlagsFromString('--expose-gc'), runInNewContext('gc') as () => void);
}

export class MemoryTrim {
  private timer: NodeJS.Timeout | null = null;
  private peak = 0;
  private last = '';
  private stillSince = 0;
  private gc: FullGc | null = null;
  /** Trims run so far (tests, logs). */
  trims = 0;

  constructor(private readonly o: MemoryTrimOptions) {}

  start(): void {
    if (this.o.afterSessions <= 0 || this.timer !== null) return;
    this.timer = setInterval(() => this.check(), this.o.periodMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One sample (exposed for tests). Returns true when it trimmed. */
  check(now = Date.now()): boolean {
    if (this.o.afterSessions <= 0) return false;
    const live = this.o.liveSessions();
    // Sessions and their sockets/timers both unchanged: the closes are done, their garbage is final.
    const state = `${live}/${this.o.heldResources()}`;
    if (state !== this.last) {
      this.last = state;
      this.stillSince = now;
    }
    this.peak = Math.max(this.peak, live);
    if (this.peak - live < this.o.afterSessions || now - this.stillSince < this.o.settleMs) return false;
    const before = process.memoryUsage();
    const start = process.hrtime.bigint();
    // Obtained at the first trim: V8's flags stay untouched in a broker that never needs one.
    this.gc ??= fullGc();
    this.gc();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const after = process.memoryUsage();
    this.trims++;
    this.o.logger.info('memory.trimmed', {
      peakSessions: this.peak,
      liveSessions: live,
      gcMs: Math.round(ms),
      heapUsedMb: [mb(before.heapUsed), mb(after.heapUsed)],
      rssMb: [mb(before.rss), mb(after.rss)],
    });
    this.peak = live;
    return true;
  }
}

const mb = (x: number): number => Math.round(x / 1048576);
