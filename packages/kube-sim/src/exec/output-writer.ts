import type { WebSocket } from 'ws';
import type { Faults } from '../faults.js';

/** Largest payload one coalesced frame carries. */
export const MAX_FRAME_PAYLOAD = 1024 * 1024;
/** Pause the process's output when this much is queued here and in the socket… */
export const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** …and resume once the socket buffer fell below this. */
export const LOW_WATER_BYTES = 1024 * 1024;
/**
 * Coalescing under load: when the previous flush was less than STREAMING_WINDOW_MS ago (output is
 * streaming, e.g. `cat bigfile` through a PTY that hands out 4 KiB per read), the next flush waits
 * one timer tick (~1 ms) to gather up to COALESCE_TARGET_BYTES. Small or sporadic output (typing,
 * echo) is flushed on the next setImmediate, so interactive latency is unchanged.
 */
const STREAMING_WINDOW_MS = 2;
/** A flush at least this big counts as streaming output (one keystroke echo never does). */
const STREAMING_MIN_FLUSH_BYTES = 1024;
const COALESCE_TARGET_BYTES = 256 * 1024;
/** While `stallOutput` is set, how often the fault set is read again. */
const STALL_POLL_MS = 20;

interface Chunk {
  channel: number;
  data: Buffer;
}

/** What the writer throttles when the client is slow. */
export interface OutputSource {
  pause(): void;
  resume(): void;
}

/**
 * Frames process output onto the WebSocket.
 * - Coalescing: chunks that arrive in the same I/O turn go out as one frame per channel run (up to
 *   MAX_FRAME_PAYLOAD), flushed on setImmediate so interactive echo is never held back.
 * - Order: stdout/stderr keep their arrival order; everything queued before `whenFlushed` is handed
 *   to the socket before its callback runs, so the channel-3 status always comes last.
 * - Backpressure: above HIGH_WATER_BYTES the source is paused; it resumes when ws reports its writes
 *   done and the buffer is below LOW_WATER_BYTES. A slow client never makes the simulator buffer without bound.
 * - Faults, read at every flush so they can be toggled at run time: stallOutput, splitStdoutEvery,
 *   dropAfterBytes (payload bytes, then the TCP socket is destroyed with no close frame).
 */
export class OutputWriter {
  readonly #ws: WebSocket;
  readonly #faults: () => Faults;
  readonly #source: OutputSource;
  #queue: Chunk[] = [];
  #queuedBytes = 0;
  #sentPayloadBytes = 0;
  #scheduled = false;
  #stallTimer: NodeJS.Timeout | undefined;
  #paused = false;
  #closed = false;
  #waiters: Array<() => void> = [];
  #lastFlushAt = -Infinity;
  #lastFlushBytes = 0;
  #coalesceTimer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, faults: () => Faults, source: OutputSource) {
    this.#ws = ws;
    this.#faults = faults;
    this.#source = source;
  }

  /** Total payload bytes handed to the socket (for tests and stats). */
  get sentPayloadBytes(): number {
    return this.#sentPayloadBytes;
  }

  write(channel: number, data: Buffer): void {
    if (this.#closed || data.length === 0) return;
    this.#queue.push({ channel, data });
    this.#queuedBytes += data.length;
    if (this.#queuedBytes + this.#ws.bufferedAmount > HIGH_WATER_BYTES) this.#pause();
    if (this.#coalesceTimer !== undefined && this.#queuedBytes >= COALESCE_TARGET_BYTES) {
      // Enough gathered: stop waiting for the tick.
      clearTimeout(this.#coalesceTimer);
      this.#coalesceTimer = undefined;
      this.#scheduled = false;
    }
    this.#schedule();
  }

  /** Runs `callback` once everything written so far is on the socket's queue (never if the writer closes first). */
  whenFlushed(callback: () => void): void {
    if (this.#closed) return;
    if (this.#queue.length === 0 && !this.#scheduled && this.#stallTimer === undefined) callback();
    else this.#waiters.push(callback);
  }

  /** The client is gone: drop what is queued and let the process run unthrottled. */
  discard(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#waiters = [];
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    clearTimeout(this.#coalesceTimer);
    this.#coalesceTimer = undefined;
    if (this.#paused) {
      this.#paused = false;
      this.#source.resume();
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#stallTimer !== undefined) return;
    this.#scheduled = true;
    const streaming =
      this.#lastFlushBytes >= STREAMING_MIN_FLUSH_BYTES &&
      performance.now() - this.#lastFlushAt < STREAMING_WINDOW_MS &&
      this.#queuedBytes < COALESCE_TARGET_BYTES;
    if (streaming) {
      this.#coalesceTimer = setTimeout(() => {
        this.#coalesceTimer = undefined;
        this.#flush();
      }, 1);
    } else {
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    if (!this.#scheduled) return;
    this.#scheduled = false;
    this.#lastFlushAt = performance.now();
    this.#lastFlushBytes = this.#queuedBytes;
    if (this.#closed) return;
    const faults = this.#faults();
    if (faults.stallOutput) {
      this.#pause();
      this.#stallTimer = setTimeout(() => {
        this.#stallTimer = undefined;
        this.#schedule();
      }, STALL_POLL_MS);
      return;
    }
    while (this.#queue.length > 0) {
      const channel = this.#queue[0]!.channel;
      let size = 0;
      let count = 0;
      while (
        count < this.#queue.length &&
        this.#queue[count]!.channel === channel &&
        (count === 0 || size + this.#queue[count]!.data.length <= MAX_FRAME_PAYLOAD)
      ) {
        size += this.#queue[count]!.data.length;
        count++;
      }
      const run = this.#queue.splice(0, count);
      this.#queuedBytes -= size;
      this.#sendPayload(
        channel,
        run.length === 1
          ? run[0]!.data
          : Buffer.concat(
              run.map((c) => c.data),
              size,
            ),
        faults,
      );
      if (this.#closed) return;
    }
    if (this.#paused && this.#ws.bufferedAmount < LOW_WATER_BYTES) this.#resume();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #sendPayload(channel: number, payload: Buffer, faults: Faults): void {
    const limit = faults.dropAfterBytes;
    if (limit !== undefined && this.#sentPayloadBytes + payload.length >= limit) {
      const allowed = Math.max(0, limit - this.#sentPayloadBytes);
      this.#closed = true;
      this.#queue = [];
      this.#waiters = [];
      const drop = (): void => {
        this.#ws.terminate();
      };
      if (allowed > 0) this.#sendSplit(channel, payload.subarray(0, allowed), faults, drop);
      else drop();
      return;
    }
    this.#sendSplit(channel, payload, faults);
  }

  #sendSplit(channel: number, payload: Buffer, faults: Faults, after?: () => void): void {
    const every =
      faults.splitStdoutEvery !== undefined && faults.splitStdoutEvery > 0
        ? Math.floor(faults.splitStdoutEvery)
        : payload.length;
    for (let off = 0; off < payload.length; off += every) {
      const part = payload.subarray(off, Math.min(payload.length, off + every));
      const last = off + every >= payload.length;
      this.#sendFrame(channel, part, last ? after : undefined);
    }
  }

  #sendFrame(channel: number, payload: Buffer, after?: () => void): void {
    const frame = Buffer.allocUnsafe(payload.length + 1);
    frame[0] = channel;
    payload.copy(frame, 1);
    this.#sentPayloadBytes += payload.length;
    this.#ws.send(frame, { binary: true }, () => {
      if (after) after();
      else if (this.#paused && !this.#closed && this.#queue.length === 0 && this.#ws.bufferedAmount < LOW_WATER_BYTES)
        this.#resume();
    });
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#source.pause();
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#source.resume();
  }
}
