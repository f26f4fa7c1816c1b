import type { ResourceGauges } from './resource-gauges.js';

/** setTimeout's largest delay; longer delays fire at once in Node, so they are re-armed in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export type TimerName = 'expiry' | 'expiring' | 'idle' | 'keepalive' | 'resize' | 'grace';

interface Armed {
  handle: NodeJS.Timeout;
  interval: boolean;
}

/**
 * A session's named timers. Arming a name replaces its previous timer; each armed timer counts once
 * in `podshell_session_timers` and is uncounted exactly once, when it fires (one-shot) or is cleared.
 * After `clearAll()` the set refuses new timers, so a callback that races the session's end cannot
 * re-arm anything.
 */
export class SessionTimers {
  private readonly armed = new Map<TimerName, Armed>();
  private closed = false;

  constructor(
    private readonly gauges: ResourceGauges,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Runs `fn` at epoch ms `at` (now if in the past), replacing any timer of that name. */
  at(name: TimerName, at: number, fn: () => void): void {
    this.after(name, Math.max(0, at - Date.now()), fn, at);
  }

  /** Runs `fn` after `delayMs`, replacing any timer of that name. */
  after(name: TimerName, delayMs: number, fn: () => void, deadline = Date.now() + delayMs): void {
    if (this.closed) return;
    this.clear(name);
    const step = Math.min(delayMs, MAX_DELAY_MS);
    const handle = setTimeout(() => {
      this.release(name, handle);
      // A delay beyond setTimeout's range is re-armed until the real deadline.
      if (deadline - Date.now() > 0 && step === MAX_DELAY_MS) {
        this.at(name, deadline, fn);
        return;
      }
      this.run(fn);
    }, step);
    handle.unref();
    this.armed.set(name, { handle, interval: false });
    this.gauges.inc('sessionTimers');
  }

  /** Runs `fn` every `periodMs` until cleared. */
  every(name: TimerName, periodMs: number, fn: () => void): void {
    if (this.closed) return;
    this.clear(name);
    const handle = setInterval(() => this.run(fn), Math.min(periodMs, MAX_DELAY_MS));
    handle.unref();
    this.armed.set(name, { handle, interval: true });
    this.gauges.inc('sessionTimers');
  }

  has(name: TimerName): boolean {
    return this.armed.has(name);
  }

  clear(name: TimerName): void {
    const t = this.armed.get(name);
    if (t === undefined) return;
    if (t.interval) clearInterval(t.handle);
    else clearTimeout(t.handle);
    this.release(name, t.handle);
  }

  /** Clears every timer and refuses new ones (idempotent). */
  clearAll(): void {
    this.closed = true;
    for (const name of [...this.armed.keys()]) this.clear(name);
  }

  get size(): number {
    return this.armed.size;
  }

  names(): TimerName[] {
    return [...this.armed.keys()];
  }

  private release(name: TimerName, handle: NodeJS.Timeout): void {
    const t = this.armed.get(name);
    if (t === undefined || t.handle !== handle) return;
    this.armed.delete(name);
    this.gauges.dec('sessionTimers');
  }

  private run(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }
}
