import type { TerminalSize } from '@pod-shell/protocol';
import type { SessionTimers } from './session-timers.js';

/**
 * Rate-limits a session's resize frames to `perSecond` (a token bucket with a one-second burst).
 * Excess frames are dropped and counted, except the newest: it is kept and forwarded when the next
 * token is due, so the terminal always ends at the size the user last asked for. At most one
 * trailing timer exists per session, and nothing queues: memory per session is O(1) whatever the
 * client sends (threat 14).
 */
export class ResizeLimiter {
  private tokens: number;
  private lastRefill = Date.now();
  private pending: TerminalSize | null = null;
  /** Resize frames not forwarded because a newer one replaced them within the rate window. */
  dropped = 0;
  forwarded = 0;

  constructor(
    private readonly perSecond: number,
    private readonly timers: SessionTimers,
    private readonly forward: (size: TerminalSize) => void,
    private readonly onDropped: () => void = () => {},
  ) {
    this.tokens = perSecond;
  }

  offer(size: TerminalSize): void {
    this.refill();
    if (this.pending === null && this.tokens >= 1) {
      this.tokens -= 1;
      this.send(size);
      return;
    }
    if (this.pending !== null) {
      this.dropped += 1;
      this.onDropped();
    }
    this.pending = size;
    if (!this.timers.has('resize')) {
      const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
      this.timers.after('resize', waitMs, () => this.flush());
    }
  }

  private flush(): void {
    const size = this.pending;
    this.pending = null;
    if (size === null) return;
    this.refill();
    this.tokens = Math.max(0, this.tokens - 1);
    this.send(size);
  }

  private send(size: TerminalSize): void {
    this.forwarded += 1;
    this.forward(size);
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.lastRefill) / 1000) * this.perSecond);
    this.lastRefill = now;
  }
}
