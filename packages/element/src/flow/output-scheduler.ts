/**
 * Feeds container output to xterm in small, timed pieces, so that a flood (`yes`, `cat big.log`)
 * never holds the tab's main thread for long.
 *
 * xterm parses queued output in a loop that checks the clock only between writes, so the cost of a
 * single write is what decides how long a timer, a keystroke or a frame may have to wait. Three
 * limits keep it small (measured in docs/benchmarks.md, "Output into xterm"):
 *
 * - A piece is at most `maxPieceBytes` bytes and holds at most `maxPieceLines` line feeds. A line
 *   feed costs far more than a printable byte, most of all while the scrollback is still filling
 *   (every scrolled line moves the scrollbar), so 2 KiB of `y\r\n` as one write held the thread for
 *   over 100 ms on the CI machine; 32 lines take a few milliseconds.
 * - While the page is visible, output is handed over for at most `burstMs`, then the scheduler
 *   rests `restMs` before the next burst. The main thread is then idle part of every frame, and
 *   the browser runs timers, input and rendering on time even when the machine is busy.
 * - In a hidden tab there is no rest: timers are throttled there, and resting would stall the
 *   shell's output behind flow control while nobody looks. xterm still yields between its own
 *   batches.
 *
 * One piece is in xterm at a time: the next one is written from the previous one's parsed
 * callback, which xterm calls inside its own batch, so a burst costs no extra task switches.
 */

/** Where pieces go: `Terminal.write(data, callback)`. */
export interface OutputSink {
  write(piece: Uint8Array, parsed: () => void): void;
}

/** Time and visibility, injectable for tests. */
export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** True when the page is not visible (no rests then). */
  hidden(): boolean;
}

export interface OutputSchedulerOptions {
  maxPieceBytes?: number;
  maxPieceLines?: number;
  burstMs?: number;
  restMs?: number;
}

/** Largest piece handed to xterm in one write. */
export const MAX_PIECE_BYTES = 2048;
/** Most line feeds in one piece. */
export const MAX_PIECE_LINES = 32;
/** How long output is handed over before a rest (visible page). */
export const BURST_MS = 8;
/** How long the scheduler rests between bursts (visible page). */
export const REST_MS = 8;

const LINE_FEED = 0x0a;

/**
 * Where the piece starting at `offset` ends (exclusive): after at most `maxBytes` bytes and at most
 * `maxLines` line feeds (the last line feed is included). Cutting inside a UTF-8 character is fine:
 * xterm's decoder carries a partial character over to the next write.
 */
export function pieceEnd(bytes: Uint8Array, offset: number, maxBytes: number, maxLines: number): number {
  const limit = Math.min(bytes.byteLength, offset + maxBytes);
  let at = offset;
  for (let lines = 0; lines < maxLines; lines++) {
    const lineFeed = bytes.indexOf(LINE_FEED, at);
    if (lineFeed < 0 || lineFeed >= limit) return limit;
    at = lineFeed + 1;
  }
  return at;
}

interface QueuedOutput {
  bytes: Uint8Array;
  /** Bytes of `bytes` already handed to the sink. */
  offset: number;
  /** Runs once all of `bytes` is parsed. */
  done: () => void;
}

export const browserClock: SchedulerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  hidden: () => typeof document !== 'undefined' && document.visibilityState === 'hidden',
};

export class OutputScheduler {
  readonly maxPieceBytes: number;
  readonly maxPieceLines: number;
  readonly burstMs: number;
  readonly restMs: number;
  private readonly queue: QueuedOutput[] = [];
  /** A piece is inside the sink, or a rest is pending: the next piece waits for either to end. */
  private running = false;
  private restTimer: unknown;
  private burstStartedAt = 0;
  /** Callbacks from pieces written before the last `clear()` are ignored. */
  private generation = 0;

  constructor(
    private readonly sink: OutputSink,
    options: OutputSchedulerOptions = {},
    private readonly clock: SchedulerClock = browserClock,
  ) {
    this.maxPieceBytes = options.maxPieceBytes ?? MAX_PIECE_BYTES;
    this.maxPieceLines = options.maxPieceLines ?? MAX_PIECE_LINES;
    this.burstMs = options.burstMs ?? BURST_MS;
    this.restMs = options.restMs ?? REST_MS;
    if (!(this.maxPieceBytes >= 1 && this.maxPieceLines >= 1 && this.burstMs >= 0 && this.restMs >= 0)) {
      throw new RangeError('output scheduler limits must be positive');
    }
  }

  /** Bytes accepted but not yet handed to the sink. */
  get queuedBytes(): number {
    let total = 0;
    for (const item of this.queue) total += item.bytes.byteLength - item.offset;
    return total;
  }

  /** Queues `bytes`; `done` runs once the sink has parsed all of them. */
  push(bytes: Uint8Array, done: () => void): void {
    if (bytes.byteLength === 0) {
      done();
      return;
    }
    this.queue.push({ bytes, offset: 0, done });
    if (!this.running) {
      this.burstStartedAt = this.clock.now();
      this.writeNext();
    }
  }

  /** Drops everything queued (their `done` never runs) and forgets the piece inside the sink. */
  clear(): void {
    this.generation++;
    this.queue.length = 0;
    if (this.restTimer !== undefined) this.clock.clearTimeout(this.restTimer);
    this.restTimer = undefined;
    this.running = false;
  }

  private writeNext(): void {
    const item = this.queue[0];
    if (!item) {
      this.running = false;
      return;
    }
    this.running = true;
    const end = pieceEnd(item.bytes, item.offset, this.maxPieceBytes, this.maxPieceLines);
    const piece = item.bytes.subarray(item.offset, end);
    item.offset = end;
    const last = end === item.bytes.byteLength;
    if (last) this.queue.shift();
    const generation = this.generation;
    this.sink.write(piece, () => {
      if (generation !== this.generation) return;
      if (last) item.done();
      this.afterPiece();
    });
  }

  private afterPiece(): void {
    if (this.queue.length === 0) {
      this.running = false;
      return;
    }
    if (this.clock.hidden() || this.clock.now() - this.burstStartedAt < this.burstMs) {
      this.writeNext();
      return;
    }
    this.restTimer = this.clock.setTimeout(() => {
      this.restTimer = undefined;
      this.burstStartedAt = this.clock.now();
      this.writeNext();
    }, this.restMs);
  }
}
