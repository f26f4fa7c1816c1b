import type WebSocket from 'ws';
import { dialExec, upstreamAccepts, type ExecDialOptions } from '../kube/exec-client.js';
import type { ExecTarget } from '../kube/exec-request.js';
import type { ClusterDial } from '../kube/kube-clusters.js';
import type { Logger } from '../log/logger.js';
import type { ResourceGauges } from './resource-gauges.js';

/** What the upstream tells its session. Every call runs guarded: an exception ends the session (4500), it never reaches `ws`. */
export interface UpstreamEvents {
  message(data: Buffer, isBinary: boolean): void;
  closed(code: number, reason: string): void;
  fail(err: unknown): void;
}

/**
 * A session's upstream exec socket (apiserver side) and the rules about it:
 * - counted in `podshell_upstream_sockets` when created, uncounted exactly once on its `close` event;
 * - output is held (the socket paused) from `open` until the session resumes it (client attached);
 * - keepalive: a ping per period, no pong by the next one means the apiserver is gone;
 * - ending it: a broken (or still connecting) stream is terminated, a healthy one gets a 1000 close.
 * The session owns it and ends it from its dispose; the link never ends the session itself.
 */
export class UpstreamLink {
  private socket: WebSocket | null = null;
  private opened = false;
  private counted = false;
  /** Set when the stream broke (protocol violation, unexpected close, missed pong): ending it then terminates. */
  private failed = false;
  private awaitingPong = false;

  constructor(
    private readonly gauges: ResourceGauges,
    private readonly logger: Logger,
    private readonly sessionId: string,
    private readonly events: UpstreamEvents,
  ) {}

  /** Dials the exec stream. The socket is adopted at once (so dispose can end it); the promise settles on the 101 or the refusal. */
  dial(cluster: ClusterDial, target: ExecTarget, options: ExecDialOptions): Promise<void> {
    const up = dialExec(cluster, target, options);
    this.adopt(up.socket);
    return up.opened;
  }

  /** The apiserver answered 101 and the session still wanted it: the exec stream is established. */
  markOpen(): void {
    this.opened = true;
  }

  /** Whether the exec stream was ever established (a close before that is the dial's failure, not the session's). */
  get isOpen(): boolean {
    return this.opened;
  }

  /** Whether the socket still counts in `podshell_upstream_sockets` (its `close` event has not run). */
  get isCounted(): boolean {
    return this.counted;
  }

  markFailed(): void {
    this.failed = true;
  }

  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  pause(): void {
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.resume();
  }

  send(data: Buffer): void {
    const up = this.socket;
    if (up !== null && upstreamAccepts(up.protocol, data)) up.send(data);
  }

  /** The negotiated upstream subprotocol (`v5.channel.k8s.io`, or `v4.channel.k8s.io` on an older cluster); '' before the 101. */
  get protocol(): string {
    return this.socket?.protocol ?? '';
  }

  /**
   * One keepalive period. A paused socket does not read, so its pongs cannot arrive: the check is
   * skipped while paused. Returns false when the previous ping got no pong (the link is then failed).
   */
  keepalive(paused: boolean): boolean {
    const up = this.socket;
    if (up === null) return true;
    if (paused) {
      this.awaitingPong = false;
      return true;
    }
    if (this.awaitingPong) {
      this.failed = true;
      return false;
    }
    this.awaitingPong = true;
    up.ping();
    return true;
  }

  /** Ends the stream (from the session's dispose): no more output is read from it. */
  end(): void {
    const up = this.socket;
    if (up === null) return;
    up.removeAllListeners('message');
    if (up.readyState === up.CONNECTING || this.failed) {
      up.terminate();
      return;
    }
    if (up.readyState === up.OPEN) {
      // A paused socket would never read the apiserver's close reply: resume so the close completes.
      up.resume();
      up.close(1000);
    }
  }

  private adopt(socket: WebSocket): void {
    this.socket = socket;
    this.counted = true;
    this.gauges.inc('upstreamSockets');
    // Hold output until the client is attached (the queue stays small: the socket is paused).
    socket.once('open', () => socket.pause());
    socket.on('message', (data: Buffer, isBinary: boolean) => this.guard(() => this.events.message(data, isBinary)));
    socket.on('pong', () => {
      this.awaitingPong = false;
    });
    socket.on('error', (err) => {
      this.logger.debug('session.upstream_error', { session: this.sessionId, err });
    });
    socket.once('close', (code: number, reason: Buffer) => {
      if (this.counted) {
        this.counted = false;
        this.gauges.dec('upstreamSockets');
      }
      socket.removeAllListeners('message');
      socket.removeAllListeners('pong');
      this.guard(() => this.events.closed(code, reason.toString('utf8')));
    });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.events.fail(err);
    }
  }
}
