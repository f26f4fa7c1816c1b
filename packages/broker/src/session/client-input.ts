import { CloseCode, type TerminalSize } from '@pod-shell/protocol';
import { ErrorCode, PodShellError } from '../errors.js';
import { classifyClientFrame } from './client-frames.js';
import { closeInfoFor, type CloseInfo } from './closing.js';
import type { ClientWindow } from './client-window.js';
import type { FlowControl } from './flow-control.js';
import type { SessionTraffic } from './session-traffic.js';
import type { UpstreamLink } from './upstream-link.js';

export interface ClientInputParts {
  upstream: UpstreamLink;
  flow: FlowControl;
  /** Takes the client's `ack` frames. */
  window: ClientWindow;
  traffic: SessionTraffic;
  /** MAX_INBOUND_FRAME_BYTES: the largest payload a client frame may carry; a bigger frame closes the session with 1009. */
  maxInboundFrameBytes: number;
  /** BACKPRESSURE_LIMIT_BYTES: stdin the container has not read yet beyond this ends the session. */
  backpressureLimitBytes: number;
  /** Hands a resize to the session's rate limiter. */
  resize(size: TerminalSize): void;
  /** A `refresh` control message (new token) for the session to verify. */
  refresh(token: string): void;
  /** Ends the session (its dispose); the input never ends anything itself. */
  end(info: CloseInfo): void;
}

/**
 * The client → upstream direction of a session: applies one client frame, validated by
 * `classifyClientFrame`. Stdin and the stdin half-close go to the apiserver as they came (copied:
 * uWS neuters the buffer after its callback), resizes go through the rate limiter, `ack` moves the client's window, `flow` pauses or
 * resumes the output, `refresh` asks the session to extend itself, and anything malformed ends the
 * session (4400, or 1009 for an oversized frame). The session calls in only while it is open.
 */
export class ClientInput {
  constructor(private readonly parts: ClientInputParts) {}

  /** uWS `message`: the ArrayBuffer is only valid during this call, so anything kept is copied. */
  apply(message: ArrayBuffer, isBinary: boolean): void {
    const { upstream, flow } = this.parts;
    const bytes = new Uint8Array(message);
    const action = classifyClientFrame(bytes, isBinary, this.parts.maxInboundFrameBytes + 1);
    switch (action.kind) {
      case 'ignore':
        return;
      case 'reject':
        this.parts.end(
          action.tooBig
            ? { code: CloseCode.MessageTooBig, reason: 'too_big', message: action.message }
            : closeInfoFor(new PodShellError(ErrorCode.BAD_FRAME, action.message)),
        );
        return;
      case 'stdin':
        this.parts.traffic.stdin(action.payloadBytes);
        upstream.send(Buffer.from(bytes)); // copy: uWS neuters the buffer after this callback
        if (upstream.bufferedAmount > this.parts.backpressureLimitBytes) {
          this.parts.end(
            closeInfoFor(
              new PodShellError(
                ErrorCode.BACKPRESSURE_LIMIT,
                'input arrives faster than the container reads it (per-session buffer cap reached)',
              ),
            ),
          );
        }
        return;
      case 'resize':
        this.parts.resize(action.size);
        return;
      case 'close-stdin':
        upstream.send(Buffer.from(bytes));
        return;
      case 'control':
        switch (action.message.type) {
          case 'flow':
            if (action.message.paused) flow.set('flow');
            else flow.clear('flow');
            return;
          case 'ack':
            try {
              this.parts.window.acked(action.message.bytes);
            } catch (err) {
              this.parts.end(closeInfoFor(err));
            }
            return;
          case 'refresh':
            this.parts.refresh(action.message.token);
            return;
        }
        return;
    }
  }
}
