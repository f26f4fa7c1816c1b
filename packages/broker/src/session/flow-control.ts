/**
 * Why the upstream exec socket is paused. Three independent reasons: the client's socket is backed
 * up (uWS buffered amount above BACKPRESSURE_HIGH_BYTES), the client asked (`flow` control frame
 * from the terminal's write queue), or more output than CLIENT_WINDOW_BYTES is unacknowledged
 * (`ack` control frames; see client-window.ts); and a fourth: no client at all (a resumable session
 * in its grace period, session-resume.ts). The upstream reads again only when none holds.
 */
export type PauseReason = 'backpressure' | 'flow' | 'window' | 'grace';

export class FlowControl {
  private readonly reasons = new Set<PauseReason>();

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly onPause: (reason: PauseReason) => void = () => {},
  ) {}

  /** Adds a reason; pauses the upstream when it is the first. Returns false when it was already set. */
  set(reason: PauseReason): boolean {
    if (this.reasons.has(reason)) return false;
    const wasPaused = this.reasons.size > 0;
    this.reasons.add(reason);
    if (!wasPaused) this.pause();
    this.onPause(reason);
    return true;
  }

  /** Removes a reason; resumes the upstream when none is left. */
  clear(reason: PauseReason): void {
    if (!this.reasons.delete(reason)) return;
    if (this.reasons.size === 0) this.resume();
  }

  has(reason: PauseReason): boolean {
    return this.reasons.has(reason);
  }

  get paused(): boolean {
    return this.reasons.size > 0;
  }

  list(): PauseReason[] {
    return [...this.reasons];
  }
}
