/**
 * Watermark flow control between the broker and xterm's write queue (the ttyd model).
 *
 * Every byte handed to `terminal.write()` is counted as pending until xterm's write callback
 * reports it parsed. Above the high watermark the element asks the broker to stop reading the
 * upstream exec stream (`{"type":"flow","paused":true}`); once the queue drains below the low
 * watermark it asks it to resume. So a flood can never pile up unbounded work in the tab, and a
 * Ctrl-C typed during a flood is echoed after at most one high watermark of output.
 */

/** Bytes queued in xterm above which the broker is asked to pause. */
export const DEFAULT_HIGH_WATERMARK = 512 * 1024;
/** Bytes queued in xterm below which a paused broker is asked to resume. */
export const DEFAULT_LOW_WATERMARK = 128 * 1024;

export interface FlowControlOptions {
  highWatermark?: number;
  lowWatermark?: number;
}

export class WriteFlowControl {
  readonly highWatermark: number;
  readonly lowWatermark: number;
  private pendingBytes = 0;
  private pausedState = false;
  /** Callbacks from writes made before the last `reset()` belong to an old session: ignore them. */
  private generation = 0;

  constructor(
    private readonly onChange: (paused: boolean) => void,
    options: FlowControlOptions = {},
  ) {
    this.highWatermark = options.highWatermark ?? DEFAULT_HIGH_WATERMARK;
    this.lowWatermark = options.lowWatermark ?? DEFAULT_LOW_WATERMARK;
    if (!(this.lowWatermark >= 0 && this.lowWatermark < this.highWatermark)) {
      throw new RangeError(`flow control needs 0 <= lowWatermark (${this.lowWatermark}) < highWatermark (${this.highWatermark})`);
    }
  }

  get pending(): number {
    return this.pendingBytes;
  }

  get paused(): boolean {
    return this.pausedState;
  }

  /**
   * Records `bytes` handed to the terminal and returns the callback to pass to `terminal.write`.
   * The callback runs once xterm has parsed those bytes.
   */
  track(bytes: number): () => void {
    const generation = this.generation;
    this.pendingBytes += bytes;
    if (!this.pausedState && this.pendingBytes > this.highWatermark) {
      this.pausedState = true;
      this.onChange(true);
    }
    let done = false;
    return () => {
      if (done || generation !== this.generation) return;
      done = true;
      this.pendingBytes = Math.max(0, this.pendingBytes - bytes);
      if (this.pausedState && this.pendingBytes < this.lowWatermark) {
        this.pausedState = false;
        this.onChange(false);
      }
    };
  }

  /** Forgets all pending writes (a new session starts unpaused); does not notify. */
  reset(): void {
    this.generation++;
    this.pendingBytes = 0;
    this.pausedState = false;
  }
}
