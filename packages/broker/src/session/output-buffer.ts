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
  /** The frame's channel byte (stdout or stderr). */
  channel: number;
  /** Payload length in bytes. */
  length: number;
  /** Where the payload starts in the ring (it may wrap around its end). */
  pos: number;
}

/** The ring's first size; it doubles on demand up to the capacity, so a quiet session holds little. */
const INITIAL_RING_BYTES = 4096;

/**
 * The most recent output of a resumable session, kept for replay after a resume. Offsets count
 * stdout/stderr payload bytes from the start of the session (the same bytes the ack window counts),
 * so the client's "bytes received" is an offset here. Bounded: whole frames are evicted, oldest
 * first, so that the payload held stays within `capacityBytes`; the newest frame always stays, so one
 * frame larger than the capacity is kept alone (frames are ≤ the upstream frame cap).
 *
 * Payloads are copied into one ring buffer per session, grown by doubling up to the capacity, never
 * kept by reference: the relay's buffer may be a slice of a much larger socket read, which a
 * reference would keep alive whole (measured: 666 KiB of RSS per session in grace instead of ~300).
 * And not copied into a new Buffer per frame either: those copies live through several scavenges, so
 * V8 promotes them and counts their bytes against its old generation until a full collection, which
 * made a flood on a resumable session run 5–6 full collections per 150 MB even with the heap growing
 * factor (docs/benchmarks.md, "Relay CPU per GB against a floor"). Recording a frame allocates no
 * ArrayBuffer once the ring reached its size.
 */
export class OutputBuffer {
  private readonly entries: Entry[] = [];
  private head = 0;
  private held = 0;
  private total = 0;
  private ring: Buffer | null = null;
  /** Ring position right after the newest payload byte. */
  private writePos = 0;

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
  record(frame: Uint8Array, payloadBytes: number): void {
    if (payloadBytes <= 0) return;
    // Make room first: what stays plus this frame fit in the capacity (or this frame stays alone).
    while (this.entries.length > this.head && this.held + payloadBytes > this.capacityBytes) {
      this.held -= this.entries[this.head]!.length;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      // Compact once the evicted prefix is large, so the array does not grow without bound.
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    const ring = this.ringFor(this.held + payloadBytes);
    const pos = this.writePos;
    const first = Math.min(payloadBytes, ring.length - pos);
    ring.set(frame.subarray(1, 1 + first), pos);
    if (first < payloadBytes) ring.set(frame.subarray(1 + first, 1 + payloadBytes), 0);
    this.writePos = (pos + payloadBytes) % ring.length;
    this.entries.push({ at: this.total, channel: frame[0]!, length: payloadBytes, pos });
    this.total += payloadBytes;
    this.held += payloadBytes;
  }

  /**
   * The output after `offset`, as new frames (channel byte + payload; the first one cut at the
   * offset). Throws RangeError when `offset` is past the end (the client claims bytes never sent).
   */
  since(offset: number): Replay {
    if (offset > this.total) throw new RangeError(`offset ${offset} is past the ${this.total} output bytes sent`);
    const from = Math.max(offset, this.start);
    const frames: Buffer[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.at + e.length <= from) continue;
      const skip = Math.max(0, from - e.at);
      frames.push(this.frameOf(e, skip));
    }
    return { from, skipped: from - offset, frames, bytes: this.total - from };
  }

  /** Drops everything held (the session ended). */
  clear(): void {
    this.entries.length = 0;
    this.head = 0;
    this.held = 0;
    this.ring = null;
    this.writePos = 0;
  }

  /** The ring, grown (live bytes moved to its start) when `bytes` would not fit in it. */
  private ringFor(bytes: number): Buffer {
    const old = this.ring;
    if (old !== null && bytes <= old.length) return old;
    let size = Math.max(old?.length ?? 0, INITIAL_RING_BYTES);
    while (size < bytes) size *= 2;
    if (bytes <= this.capacityBytes) size = Math.min(size, Math.max(this.capacityBytes, bytes));
    const ring = Buffer.allocUnsafe(size);
    // Live payloads, oldest first, to the start of the new ring.
    let at = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      this.copyOut(e, 0, ring, at);
      e.pos = at;
      at += e.length;
    }
    this.ring = ring;
    this.writePos = at;
    return ring;
  }

  /** A new frame holding entry `e`'s channel byte and its payload from `skip` on. */
  private frameOf(e: Entry, skip: number): Buffer {
    const out = Buffer.allocUnsafe(1 + e.length - skip);
    out[0] = e.channel;
    this.copyOut(e, skip, out, 1);
    return out;
  }

  /** Copies entry `e`'s payload from `skip` on into `target` at `at` (the payload may wrap in the ring). */
  private copyOut(e: Entry, skip: number, target: Buffer, at: number): void {
    const ring = this.ring!;
    const start = (e.pos + skip) % ring.length;
    const n = e.length - skip;
    const first = Math.min(n, ring.length - start);
    ring.copy(target, at, start, start + first);
    if (first < n) ring.copy(target, at + first, 0, n - first);
  }
}
