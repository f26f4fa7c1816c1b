import { encodeControl } from '@pod-shell/protocol';
import { closeFrameReason, closingFrame, type CloseInfo } from './closing.js';
import { SEND_DROPPED, type ClientSocket } from './session-context.js';

/** How one send to the client went: delivered (maybe buffered), dropped by uWS (buffer cap), or no socket to send on. */
export type ClientSendResult = 'sent' | 'dropped' | 'gone';

/**
 * A session's client socket (uWS, browser side). It exists from `open` until the uWS `close`
 * handler ran; from then on it is never touched again (the native socket is gone), so every call
 * here is a no-op once `markClosed` ran — including a close that happens inside `send`
 * (`closeOnBackpressureLimit`) or inside `cork` — until a resume attaches the next socket.
 */
export class ClientLink {
  private socket: ClientSocket | null = null;
  private closed = false;

  /** A socket from its `open`; a resumed session attaches its next socket after the previous one closed. */
  attach(ws: ClientSocket): void {
    this.socket = ws;
    this.closed = false;
  }

  /** uWS `close` handler ran. */
  markClosed(): void {
    this.closed = true;
    this.socket = null;
  }

  get isOpen(): boolean {
    return this.socket !== null && !this.closed;
  }

  /** What uWS still buffers for the client (0 without a socket). */
  get bufferedAmount(): number {
    return this.socket !== null && !this.closed ? this.socket.getBufferedAmount() : 0;
  }

  send(frame: Uint8Array): ClientSendResult {
    const client = this.socket;
    if (client === null || this.closed) return 'gone';
    const result = client.send(frame, true);
    if (this.closed) return 'gone'; // closeOnBackpressureLimit may have closed it inside send
    return result === SEND_DROPPED ? 'dropped' : 'sent';
  }

  sendControl(msg: Parameters<typeof encodeControl>[0]): void {
    if (this.socket === null || this.closed) return;
    this.socket.send(encodeControl(msg), true);
  }

  /** The `closing` frame, then the close frame with the short reason; corked so both leave together. */
  sendClosing(info: CloseInfo): void {
    const client = this.socket;
    if (client === null || this.closed) return;
    client.cork(() => {
      client.send(closingFrame(info), true);
      if (!this.closed) client.end(info.code, closeFrameReason(info));
    });
  }
}
