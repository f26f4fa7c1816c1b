/** What a resuming client gets from the buffer: the frames to send again, and the bytes it lost. */
export interface Replay {
  /** Output offset of the first replayed payload byte (the client's offset, or the buffer start when bytes were lost). */
  from: number;
  /** Payload bytes after the client's offset that the buffer no longer holds. */
  skipped: number;
  /** Complete frames (channel byte + payload), the first one cut at `from`. */
  frames: Buffer[];
  /** Payload bytes in `frames`. */
  bytes: number;
}

interface Entry {
  /** Output offset of the frame's first payload byte. */
  at: number;
  /** The frame as relayed: channel byte, then payload. */
  frame: Buffer;
}

/**
 * The most recent output of a resumable session, kept for replay after a resume. Offsets count
 * stdout/stderr payload bytes from the start of the session (the same bytes the ack window counts),
 * so the client's "bytes received" is an offset here. Bounded: whole frames are evicted, oldest
 * first, once the payload held passes `capacityBytes`; the newest frame always stays, so one frame
 * larger than the capacity is kept alone (frames are ≤ the upstream frame cap).
 * Frames are copied: the relay's buffer may be a slice of a much larger socket read, which a
 * reference would keep alive whole (measured: 666 KiB of RSS per session in grace instead of ~300).
 */
export class OutputBuffer {
  private readonly entries: Entry[] = [];
  private head = 0;
  private held = 0;
  private total = 0;

  constructor(readonly capacityBytes: number) {}

  /** Output offset after the last recorded byte: everything ever relayed. */
  get end(): number {
    return this.total;
  }

  /** Output offset of the oldest byte still held. */
  get start(): number {
    return this.total - this.held;
  }

  /** Payload bytes held (≤ capacity, except one oversized newest frame). */
  get heldBytes(): number {
    return this.held;
  }

  /** One stdout/stderr frame as relayed; `payloadBytes` = frame length − 1. */
  record(frame: Buffer, payloadBytes: number): void {
    if (payloadBytes <= 0) return;
    this.entries.push({ at: this.total, frame: Buffer.from(frame) });
    this.total += payloadBytes;
    this.held += payloadBytes;
    while (this.held > this.capacityBytes && this.entries.length - this.head > 1) {
      const old = this.entries[this.head]!;
      this.held -= old.frame.length - 1;
      this.head++;
    }
    // Compact once the evicted prefix is large, so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * The output after `offset`. Throws RangeError when `offset` is past the end (the client claims
   * bytes never sent).
   */
  since(offset: number): Replay {
    if (offset > this.total) throw new RangeError(`offset ${offset} is past the ${this.total} output bytes sent`);
    const from = Math.max(offset, this.start);
    const frames: Buffer[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const { at, frame } = this.entries[i]!;
      const endAt = at + frame.length - 1;
      if (endAt <= from) continue;
      if (at >= from) frames.push(frame);
      else {
        const cut = Buffer.allocUnsafe(endAt - from + 1);
        cut[0] = frame[0]!;
        frame.copy(cut, 1, 1 + (from - at));
        frames.push(cut);
      }
    }
    return { from, skipped: from - offset, frames, bytes: this.total - from };
  }

  /** Drops everything held (the session ended). */
  clear(): void {
    this.entries.length = 0;
    this.head = 0;
    this.held = 0;
  }
}
