import { CloseCode, encodeControl, type HelloMessage } from '@pod-shell/protocol';
import type { AuthorizedObserver } from '../auth/authorized-session.js';
import { ErrorCode } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import { closeFrameReason, closingFrame, type CloseInfo } from './closing.js';
import { SEND_DROPPED, type ClientSocket } from './session-context.js';

/** An observer's uWS socket: a client socket that can also be dropped at once (a watcher too slow to read a close frame). */
export interface ObserverSocket extends ClientSocket {
  close(): void;
}

/** Input frames an observer may send (each refused with an `error`) before it is closed with 4400. */
export const OBSERVER_REFUSALS_BEFORE_CLOSE = 10;

/** The token of an observer is checked again when it expires: the observer is closed then (4401). */
const TOKEN_EXPIRED: CloseInfo = {
  code: CloseCode.Unauthorized,
  reason: 'token_expired',
  message: 'Your observer token expired; watching stopped.',
};

const TOO_MANY_REFUSALS: CloseInfo = {
  code: CloseCode.BadRequest,
  reason: 'bad_frame',
  message: 'An observer is read-only: it kept sending input, resize or control frames and was disconnected.',
};

/**
 * One read-only watcher of a session. It exists from its socket's start until it ended (session end,
 * token expiry, too slow, too many refused frames) or its socket closed, whichever comes first; after
 * its uWS close handler ran its socket is never touched again.
 */
export class Observer {
  readonly attachedAt = Date.now();
  private socketClosed = false;
  private ended = false;
  private refusals = 0;
  private expiry: NodeJS.Timeout | null = null;

  constructor(
    private readonly set: ObserverSet,
    private readonly ws: ObserverSocket,
    readonly auth: AuthorizedObserver,
  ) {}

  get subject(): string {
    return this.auth.subject;
  }

  get bufferedAmount(): number {
    return this.socketClosed ? 0 : this.ws.getBufferedAmount();
  }

  get isLive(): boolean {
    return !this.ended && !this.socketClosed;
  }

  /** Arms the token-expiry close (a plain timer: cleared when the observer leaves, counted by the observers gauge). */
  armExpiry(): void {
    const ms = Math.max(0, this.auth.tokenExpiresAt - Date.now());
    this.expiry = setTimeout(() => this.end(TOKEN_EXPIRED), ms);
  }

  /**
   * One frame as the owner got it. Never waits: past the observer's bound (BACKPRESSURE_HIGH_BYTES of
   * unsent output) the observer is dropped at once, without a close frame (it could not read one).
   */
  send(frame: Uint8Array): void {
    if (!this.isLive) return;
    const result = this.ws.send(frame, true);
    if (this.socketClosed) {
      // uWS closed it inside send: its buffer cap (BACKPRESSURE_LIMIT_BYTES) was reached.
      this.set.countDropped('slow');
      return;
    }
    if (result === SEND_DROPPED || this.ws.getBufferedAmount() > this.set.boundBytes) this.dropSlow();
  }

  /** Anything the observer sends: refused with a typed `error`, the session is never touched. */
  refuse(): void {
    if (!this.isLive) return;
    this.refusals++;
    if (this.refusals > OBSERVER_REFUSALS_BEFORE_CLOSE) {
      this.set.countDropped('read_only');
      this.end(TOO_MANY_REFUSALS);
      return;
    }
    this.send(
      encodeControl({
        type: 'error',
        code: ErrorCode.OBSERVER_READ_ONLY,
        message: 'You are watching this session read-only: input, resize and control frames are ignored.',
      }),
    );
  }

  /** `closing` + the close code, then the socket closes (its close handler calls `socketGone`). */
  end(info: CloseInfo): void {
    if (!this.isLive) return;
    this.leave();
    this.ws.cork(() => {
      this.ws.send(closingFrame(info), true);
      if (!this.socketClosed) this.ws.end(info.code, closeFrameReason(info));
    });
  }

  /** uWS `close` handler ran: the socket is gone. */
  socketGone(): void {
    this.socketClosed = true;
    this.leave();
  }

  private dropSlow(): void {
    this.set.countDropped('slow');
    this.leave();
    this.ws.close();
  }

  private leave(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.expiry !== null) clearTimeout(this.expiry);
    this.expiry = null;
    this.set.remove(this);
  }
}

export interface ObserverSetDeps {
  metrics: BrokerMetrics;
  logger: Logger;
  sessionId: string;
  /** An observer with more unsent output than this is dropped (BACKPRESSURE_HIGH_BYTES + the recent-output buffer). */
  boundBytes: number;
  /** The number of observers changed (the session tells its owner). */
  changed(count: number): void;
}

/**
 * The read-only observers of one session, owned by that session (session.ts): it attaches them,
 * copies every output frame to them (`fanOut`, never waiting for any) and ends them when it ends.
 * A slow observer is dropped on its own; the owner's flow control never looks at observers.
 */
export class ObserverSet {
  private readonly observers = new Set<Observer>();

  constructor(private readonly deps: ObserverSetDeps) {}

  get boundBytes(): number {
    return this.deps.boundBytes;
  }

  get count(): number {
    return this.observers.size;
  }

  /** Attaches a watcher: `hello`, the recent output, then (through `fanOut`) live output. */
  attach(ws: ObserverSocket, auth: AuthorizedObserver, hello: HelloMessage, recent: readonly Uint8Array[]): Observer {
    const observer = new Observer(this, ws, auth);
    this.observers.add(observer);
    this.deps.logger.info('session.observer_attached', { session: this.deps.sessionId, observer: auth.subject });
    observer.armExpiry();
    ws.cork(() => {
      observer.send(encodeControl(hello));
      for (const frame of recent) observer.send(frame);
    });
    if (observer.isLive) this.deps.changed(this.observers.size);
    return observer;
  }

  /** A stdout/stderr or status frame the owner got. */
  fanOut(frame: Uint8Array): void {
    for (const o of [...this.observers]) o.send(frame);
  }

  /** The session ended: every observer gets its `closing` and close code. */
  endAll(info: CloseInfo): void {
    for (const o of [...this.observers]) o.end(info);
  }

  /** What /debug/sessions shows of each observer (no token). */
  list(): Array<{ subject: string; attachedAt: number; bufferedBytes: number }> {
    return [...this.observers].map((o) => ({
      subject: o.subject,
      attachedAt: o.attachedAt,
      bufferedBytes: o.bufferedAmount,
    }));
  }

  countDropped(reason: 'slow' | 'read_only'): void {
    this.deps.metrics.observersDropped.inc({ reason });
    this.deps.logger.info('session.observer_dropped', { session: this.deps.sessionId, reason });
    // The watcher's own session.observer_left (an audit line) follows when its socket closes.
  }

  /** From an observer that left (once). */
  remove(observer: Observer): void {
    if (!this.observers.delete(observer)) return;
    this.deps.logger.info('session.observer_left', { session: this.deps.sessionId, observer: observer.subject });
    this.deps.changed(this.observers.size);
  }
}
