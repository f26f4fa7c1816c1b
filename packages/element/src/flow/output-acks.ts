/**
 * The element's side of the broker's ack window (docs/protocol.md, "Flow control").
 *
 * Every stdout/stderr byte handed to the terminal is acknowledged once xterm has parsed it: in
 * batches of `ackEveryBytes`, and whatever is left as soon as xterm has parsed everything it was
 * given (so a window smaller than a batch can never stall). The broker stops reading the exec
 * stream while more than its window (CLIENT_WINDOW_BYTES, 512 KiB by default) is unacknowledged,
 * so a flood never queues more than the window in the tab, and the prompt after a Ctrl-C is at
 * most one window of output away, whatever TCP buffers lie between.
 *
 * Pausing with `flow` frames (the ttyd model, still in the protocol for other clients) reacts too
 * late for this: by the time the pause reaches the broker, megabytes are already in TCP buffers.
 */

/** Parsed bytes acknowledged in one `ack` frame, at most (the rest waits for the next batch or idle). */
export const ACK_EVERY_BYTES = 32 * 1024;

export class OutputAcks {
  /** Bytes handed to the terminal and not parsed yet. */
  private pendingBytes = 0;
  /** Bytes parsed and not acknowledged yet. */
  private parsedBytes = 0;
  /** Callbacks from writes made before the last `start()`/`reset()` belong to an old session: ignored. */
  private generation = 0;

  constructor(
    private readonly sendAck: (bytes: number) => void,
    readonly ackEveryBytes: number = ACK_EVERY_BYTES,
  ) {
    if (!(ackEveryBytes >= 1)) throw new RangeError(`ackEveryBytes must be at least 1, got ${ackEveryBytes}`);
  }

  /** Output handed to the terminal, not parsed yet. */
  get pending(): number {
    return this.pendingBytes;
  }

  /** A new session: forgets the old one and opts in with an ack of 0 bytes. */
  start(): void {
    this.reset();
    this.sendAck(0);
  }

  /**
   * Records `bytes` handed to the terminal and returns the callback to run once xterm has parsed
   * them. The callback acts once; after `reset()` it does nothing.
   */
  track(bytes: number): () => void {
    const generation = this.generation;
    this.pendingBytes += bytes;
    let done = false;
    return () => {
      if (done || generation !== this.generation) return;
      done = true;
      this.pendingBytes -= bytes;
      this.parsedBytes += bytes;
      if (this.parsedBytes >= this.ackEveryBytes || (this.pendingBytes === 0 && this.parsedBytes > 0)) {
        const acked = this.parsedBytes;
        this.parsedBytes = 0;
        this.sendAck(acked);
      }
    };
  }

  /** Forgets all pending writes (the session ended); sends nothing. */
  reset(): void {
    this.generation++;
    this.pendingBytes = 0;
    this.parsedBytes = 0;
  }
}
