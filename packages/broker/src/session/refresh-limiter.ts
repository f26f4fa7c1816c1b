/** What the limiter decides for one `refresh` frame. */
export type RefreshVerdict =
  /** Within the rate: verify the token. */
  | 'verify'
  /** Over the rate: answer with an error at once, without checking any signature. */
  | 'refuse'
  /** Over the rate again and again: end the session (4430). */
  | 'abuse';

/**
 * Rate-limits a session's `refresh` frames, like resizes (threat 14): a token bucket of
 * REFRESH_PER_MINUTE refreshes with that burst. Verifying a token costs a signature check, so a
 * refresh over the rate is refused before anything is verified; each refusal is a strike, and a
 * session that collects REFRESH_PER_MINUTE strikes before it is allowed a refresh again is ending
 * its own session (a browser refreshes once per `expiring` warning, a few times an hour).
 * O(1) memory and no timer per session, whatever the client sends.
 */
export class RefreshLimiter {
  private tokens: number;
  private lastRefill: number;
  private strikes = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perMinute;
    this.lastRefill = now();
  }

  take(): RefreshVerdict {
    const now = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.lastRefill) / 60_000) * this.perMinute);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.strikes = 0;
      return 'verify';
    }
    this.strikes += 1;
    return this.strikes >= this.perMinute ? 'abuse' : 'refuse';
  }
}
