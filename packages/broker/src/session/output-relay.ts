import { execFailureClose } from '../kube/exec-failure.js';
import { CloseCode } from '@pod-shell/protocol';
import { ErrorCode, PodShellError } from '../errors.js';
import type { ClientLink } from './client-link.js';
import { closeInfoFor, sanitizeMessage, type CloseInfo } from './closing.js';
import type { ClientWindow } from './client-window.js';
import type { FlowControl } from './flow-control.js';
import type { OutputBuffer } from './output-buffer.js';
import type { SessionTraffic } from './session-traffic.js';
import { classifyUpstreamFrame } from './upstream-frames.js';
import type { UpstreamLink } from './upstream-link.js';

type HeldEvent = { kind: 'message'; data: Buffer; isBinary: boolean } | { kind: 'close'; code: number; reason: string };

export interface OutputRelayParts {
  client: ClientLink;
  upstream: UpstreamLink;
  flow: FlowControl;
  /** Counts output against the client's ack window. */
  window: ClientWindow;
  traffic: SessionTraffic;
  /** BACKPRESSURE_HIGH_BYTES: above it the upstream pauses; it reads again at half of it. */
  highWatermarkBytes: number;
  /** Ends the session (its dispose); the relay never ends anything itself. */
  end(info: CloseInfo): void;
  /** The session's recent-output buffer (resume replay, observers' first screen): every stdout/stderr frame is recorded there too (null otherwise). */
  buffer: OutputBuffer | null;
  /** Read-only observers: every stdout/stderr and status frame the client gets is copied to them, never waited for. */
  observers: { fanOut(frame: Uint8Array): void } | null;
}

/**
 * The upstream → client direction of a session. Until the client is attached, upstream events are
 * held in order (the socket is paused, so the queue stays small); afterwards stdout/stderr and the
 * final status frame are forwarded byte-for-byte, the status frame before the close it causes.
 * Backpressure: above the high watermark the upstream pauses, on `drain` it resumes once the
 * client's buffer is back under half; a send uWS drops (buffer cap) ends the session.
 * The session calls in only while it is live, and `stop()` from its dispose.
 */
export class OutputRelay {
  private held: HeldEvent[] | null = [];
  private stopped = false;

  constructor(private readonly parts: OutputRelayParts) {}

  /** A frame from the apiserver. */
  message(data: Buffer, isBinary: boolean): void {
    if (this.held !== null) {
      this.held.push({ kind: 'message', data, isBinary });
      return;
    }
    this.relay(data, isBinary);
  }

  /** The established exec stream closed. Without a status frame first, that is an upstream failure. */
  closed(code: number, reason: string): void {
    if (this.held !== null) {
      this.held.push({ kind: 'close', code, reason });
      return;
    }
    this.parts.upstream.markFailed();
    const detail = reason !== '' ? `${code} ${reason}` : `code ${code}`;
    this.parts.end({
      code: CloseCode.Upstream,
      reason: 'upstream_closed',
      message: `the exec stream from the Kubernetes API ended without an exit status (${sanitizeMessage(detail)})`,
    });
  }

  /** The client is attached: relays what was held, in order. Returns false when that ended the session. */
  release(): boolean {
    const queued = this.held ?? [];
    this.held = null;
    for (const ev of queued) {
      if (this.stopped) return false;
      if (ev.kind === 'message') this.relay(ev.data, ev.isBinary);
      else this.closed(ev.code, ev.reason);
    }
    return !this.stopped;
  }

  /** uWS `drain`: resume once the client's buffer is back under half the watermark. */
  drain(): void {
    const { flow, client, highWatermarkBytes } = this.parts;
    if (flow.has('backpressure') && client.bufferedAmount <= highWatermarkBytes / 2) flow.clear('backpressure');
  }

  /** A resumed client: sends buffered frames again (already counted as traffic and in the window), with backpressure. */
  replay(frames: readonly Uint8Array[]): void {
    for (const frame of frames) {
      if (this.stopped) return;
      this.sendToClient(frame);
    }
  }

  /** From the session's dispose: nothing more is relayed, and held frames are dropped. */
  stop(): void {
    this.stopped = true;
    this.held = [];
  }

  private relay(data: Buffer, isBinary: boolean): void {
    const action = classifyUpstreamFrame(data, isBinary);
    switch (action.kind) {
      case 'drop':
        return;
      case 'reject':
        this.parts.upstream.markFailed();
        this.parts.end({ code: CloseCode.Upstream, reason: 'upstream_protocol', message: action.message });
        return;
      case 'data':
        this.parts.traffic.stdout(action.payloadBytes);
        this.parts.window.sent(action.payloadBytes);
        this.parts.buffer?.record(data, action.payloadBytes);
        this.sendToClient(data);
        this.parts.observers?.fanOut(data);
        return;
      case 'status': {
        this.sendToClient(data);
        this.parts.observers?.fanOut(data);
        const o = action.outcome;
        if (o.kind === 'success')
          this.parts.end({ code: CloseCode.Exited, reason: 'exited', message: 'The command exited.', exitCode: 0 });
        else if (o.kind === 'exit')
          this.parts.end({ code: CloseCode.Exited, reason: 'exited', message: o.message, exitCode: o.exitCode });
        else this.parts.end(execFailureClose(o.message));
        return;
      }
    }
  }

  private sendToClient(frame: Uint8Array): void {
    const { client, flow, highWatermarkBytes } = this.parts;
    const result = client.send(frame);
    if (result === 'gone') return;
    if (result === 'dropped') {
      this.parts.end(
        closeInfoFor(
          new PodShellError(
            ErrorCode.BACKPRESSURE_LIMIT,
            'the client fell too far behind the output (per-session buffer cap reached)',
          ),
        ),
      );
      return;
    }
    if (client.bufferedAmount > highWatermarkBytes) flow.set('backpressure');
  }
}
