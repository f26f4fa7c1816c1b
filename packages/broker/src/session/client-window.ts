import { ErrorCode, PodShellError } from '../errors.js';
import type { FlowControl } from './flow-control.js';

/**
 * Windowed flow control for clients that acknowledge output (`{"type":"ack","bytes":n}`).
 *
 * Pausing on a `flow` frame acts late: by the time the pause arrives, everything the broker already
 * wrote is in TCP buffers on the way (megabytes on a fast link, since the kernel grows them), and
 * the terminal must render all of it before the prompt that follows a Ctrl-C. With acks the broker
 * knows how much output the terminal has not consumed yet and stops reading the exec stream above
 * CLIENT_WINDOW_BYTES, resuming once it is back under half. So output in flight plus output queued
 * in the page never exceeds the window, whatever the buffers in between.
 *
 * A client opts in with its first `ack` (0 bytes is fine); until then nothing is counted against
 * it, so clients that never ack keep the `flow`/backpressure behaviour.
 */
export class ClientWindow {
  private enabled = false;
  private sentBytes = 0;
  private ackedBytes = 0;

  constructor(
    private readonly flow: FlowControl,
    readonly windowBytes: number,
  ) {}

  /** Output bytes (stdout/stderr payload) handed to the client. */
  sent(payloadBytes: number): void {
    this.sentBytes += payloadBytes;
    if (this.enabled && this.unacknowledged > this.windowBytes) this.flow.set('window');
  }

  /** An `ack` from the client. Throws BAD_FRAME when it acknowledges more than was sent. */
  acked(bytes: number): void {
    if (this.ackedBytes + bytes > this.sentBytes) {
      throw new PodShellError(
        ErrorCode.BAD_FRAME,
        `ack of ${bytes} bytes exceeds the ${this.unacknowledged} output bytes not yet acknowledged`,
      );
    }
    this.ackedBytes += bytes;
    this.enabled = true;
    if (this.unacknowledged > this.windowBytes) this.flow.set('window');
    else if (this.unacknowledged <= this.windowBytes / 2) this.flow.clear('window');
  }

  /**
   * A resumed client has consumed output up to `offset` (its resume point): everything before counts
   * as acknowledged, everything after is in flight again (the replay).
   */
  rewind(offset: number): void {
    this.ackedBytes = Math.min(offset, this.sentBytes);
    if (this.unacknowledged > this.windowBytes) this.flow.set('window');
    else this.flow.clear('window');
  }

  /** Output sent but not yet acknowledged (0 for a client that does not ack). */
  get unacknowledged(): number {
    return this.sentBytes - this.ackedBytes;
  }

  get windowed(): boolean {
    return this.enabled;
  }
}
