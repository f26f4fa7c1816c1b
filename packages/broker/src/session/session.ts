import { randomBytes } from 'node:crypto';
import {
  Channel,
  CloseCode,
  encodeFrame,
  encodeResize,
  type HelloMessage,
  type TerminalSize,
} from '@pod-shell/protocol';
import type { AuthorizedObserver, AuthorizedSession } from '../auth/authorized-session.js';
import { ErrorCode, PodShellError, toPodShellError } from '../errors.js';
import { impersonationHeaders } from '../kube/exec-request.js';
import { wrapCommandForPidTracking } from '../kube/shell-reaper.js';
import { resolveIdentity } from '../tenants/identity.js';
import { ClientInput } from './client-input.js';
import { ClientLink } from './client-link.js';
import { closeFrameReason, closeInfoFor, closingFrame, sanitizeMessage, type CloseInfo } from './closing.js';
import { ClientWindow } from './client-window.js';
import { FlowControl } from './flow-control.js';
import { endOrphanedShell } from './orphaned-shell.js';
import { chooseTarget } from '../kube/debug-fallback.js';
import type { DebugContainer } from '../kube/debug-container.js';
import { OutputBuffer } from './output-buffer.js';
import { ObserverSet, type Observer, type ObserverSocket } from './observers.js';
import { OutputRelay } from './output-relay.js';
import { RefreshLimiter } from './refresh-limiter.js';
import { ResizeLimiter } from './resize-limiter.js';
import { SessionAccounting } from './session-accounting.js';
import type { ClientSocket, SessionContext } from './session-context.js';
import { SessionDeadlines } from './session-deadlines.js';
import { SessionResume } from './session-resume.js';
import { podTarget, sessionWho } from './session-identity.js';
import { SessionTimers } from './session-timers.js';
import { SessionTraffic } from './session-traffic.js';
import { refusalError, StoreEntry } from './store-entry.js';
import { UpstreamLink } from './upstream-link.js';
import { transferCapabilities } from '../files/transfer-policy.js';

/** Largest upstream frame accepted: the apiserver writes stdout in ≤ 32 KiB frames, kube-sim coalesces up to 1 MiB. */
const UPSTREAM_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/** `grace`: a resumable session whose client dropped; the shell waits for a resume (session-resume.ts). */
export type SessionState = 'connecting' | 'open' | 'grace' | 'closed';

/** How a client socket is attached: fresh, or resuming after `resumeFrom` output bytes; `detach` unhooks it from its uWS handlers. */
export interface ClientAttach {
  resumeFrom: number | null;
  detach: () => void;
}

/** Kept importable from here: the server and the manager map errors to close info through the session module. */
export { closeInfoFor } from './closing.js';

/**
 * One terminal session, and the ONE owner of everything it creates: the client socket (once
 * attached), the upstream exec socket, its timers, its resize handler and its store entry. Every
 * resource is counted in its gauge when created and uncounted exactly once when released, and all
 * are released by one idempotent `dispose(reason)` in a fixed order:
 *   stop reading the client → end the upstream → clear timers (and the resize handler) → release the
 *   store entry → update gauges and audit → send `closing` and close the client if still open.
 * Nothing touches the client socket after its uWS close handler ran (`ClientLink.markClosed`).
 * Its parts each keep one set of rules — ClientLink / UpstreamLink (the two sockets), OutputRelay /
 * ClientInput (the two directions), SessionDeadlines on SessionTimers, StoreEntry, SessionAccounting —
 * but none of them ends the session: they ask, and only `dispose` releases, here, in this order.
 */
export class Session {
  readonly id = randomBytes(16).toString('base64url');
  readonly startedAt = Date.now();
  state: SessionState = 'connecting';
  private readonly timers: SessionTimers;
  private readonly deadlines: SessionDeadlines;
  private readonly traffic: SessionTraffic;
  private readonly flow: FlowControl;
  private readonly window: ClientWindow;
  private readonly output: OutputRelay;
  private readonly input: ClientInput;
  private readonly accounting: SessionAccounting;
  private readonly client = new ClientLink();
  private readingStopped = false;
  private readonly upstream: UpstreamLink;
  private resize: ResizeLimiter | null = null;
  private readonly refreshLimiter: RefreshLimiter;
  private readonly storeEntry: StoreEntry;
  private started = false;
  private disposed = false;
  /** Set when the session attached to a debug container (the image had no shell). */
  private debug: DebugContainer | undefined;
  /** Counted in `podshell_sessions_connecting` from construction until it starts or is disposed. */
  private connecting = true;
  /** The argv actually executed: the shell wrapped with the session mark when orphaned shells are ended (threat 19). */
  private readonly execCommand: readonly string[];
  closeInfo: CloseInfo | null = null;
  /** Present when the client can resume and the tenant allows it: secret, replay buffer, grace state. */
  private readonly resume: SessionResume | null;
  /** Unhooks the current client socket from its handlers (a resume that takes over this session). */
  private detachClient: (() => void) | null = null;
  /** The recent output: the resume buffer, or (a tenant allowing observers) one kept for observers' first screen. */
  private readonly recent: OutputBuffer | null;
  /** Read-only watchers (observer tokens); null when the tenant does not allow them. */
  private readonly observers: ObserverSet | null;

  constructor(
    private readonly ctx: SessionContext,
    readonly auth: AuthorizedSession,
    readonly clientIp: string,
    options: { resumable: boolean } = { resumable: false },
  ) {
    const limits = auth.tenant.limits;
    this.resume =
      options.resumable && limits.resumeGraceSeconds > 0
        ? new SessionResume(ctx.gauges, limits.resumeGraceSeconds * 1000, limits.resumeBufferBytes)
        : null;
    this.recent =
      this.resume?.buffer ?? (auth.tenant.observers === true ? new OutputBuffer(limits.resumeBufferBytes) : null);
    this.observers =
      auth.tenant.observers === true
        ? new ObserverSet({
            metrics: ctx.metrics,
            logger: ctx.logger,
            sessionId: this.id,
            boundBytes: ctx.config.backpressureHighBytes + limits.resumeBufferBytes,
            changed: (count) => {
              if (this.disposed) return;
              this.client.sendControl({ type: 'observers', count });
              this.storeEntry.updateObservers(count);
            },
          })
        : null;
    this.execCommand = auth.tenant.endOrphanedShells ? wrapCommandForPidTracking(auth.command, this.id) : auth.command;
    this.timers = new SessionTimers(ctx.gauges, (err) => this.fail(err));
    this.traffic = new SessionTraffic(ctx.metrics);
    this.storeEntry = new StoreEntry(ctx.store, ctx.logger, auth.tenant.name, this.id);
    this.deadlines = new SessionDeadlines(
      this.timers,
      {
        startedAt: this.startedAt,
        tokenExpiresAt: auth.tokenExpiresAt,
        maxSessionSeconds: auth.tenant.limits.maxSessionSeconds,
        expiringWarningSeconds: ctx.config.expiringWarningSeconds,
        idleTimeoutSeconds: auth.tenant.limits.idleTimeoutSeconds,
      },
      {
        end: (err) => this.dispose(closeInfoFor(err)),
        warn: (at) => this.client.sendControl({ type: 'expiring', at }),
        lastActivity: () => this.traffic.lastActivity,
      },
    );
    this.refreshLimiter = new RefreshLimiter(ctx.config.refreshPerMinute);
    this.upstream = new UpstreamLink(ctx.gauges, ctx.logger, this.id, {
      message: (data, isBinary) => this.onUpstreamMessage(data, isBinary),
      closed: (code, reason) => this.onUpstreamClosed(code, reason),
      fail: (err) => this.fail(err),
    });
    this.flow = new FlowControl(
      () => this.upstream.pause(),
      () => this.upstream.resume(),
      () => this.ctx.metrics.backpressurePauses.inc(),
    );
    // A resumable session never has more unacknowledged output in flight than half its replay
    // buffer holds, so whatever a dropped connection lost is still there to replay.
    this.window = new ClientWindow(
      this.flow,
      this.resume === null
        ? ctx.config.clientWindowBytes
        : Math.min(ctx.config.clientWindowBytes, Math.floor(limits.resumeBufferBytes / 2)),
    );
    this.output = new OutputRelay({
      client: this.client,
      upstream: this.upstream,
      flow: this.flow,
      window: this.window,
      traffic: this.traffic,
      highWatermarkBytes: ctx.config.backpressureHighBytes,
      end: (info) => this.dispose(info),
      buffer: this.recent,
      observers: this.observers,
    });
    this.input = new ClientInput({
      upstream: this.upstream,
      flow: this.flow,
      window: this.window,
      traffic: this.traffic,
      maxInboundFrameBytes: ctx.config.maxInboundFrameBytes,
      backpressureLimitBytes: ctx.config.backpressureLimitBytes,
      resize: (size) => this.resize?.offer(size),
      refresh: (token) => this.offerRefresh(token),
      end: (info) => this.dispose(info),
    });
    this.accounting = new SessionAccounting(ctx.metrics, ctx.logger, {
      session: this.id,
      ...sessionWho(auth),
      command: auth.command,
      clientIp,
    });
    ctx.gauges.inc('sessionsConnecting');
  }

  /** Leaves `podshell_sessions_connecting` exactly once: when the session starts or is disposed, whichever comes first. */
  private leaveConnecting(): void {
    if (!this.connecting) return;
    this.connecting = false;
    this.ctx.gauges.dec('sessionsConnecting');
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Epoch ms when the session is force-closed (token expiry, capped by the tenant's maximum duration). */
  get expiresAt(): number {
    return this.deadlines.expiresAt;
  }

  /**
   * Acquires the store entry (quota, rates), then opens the upstream exec. Throws PodShellError; the
   * caller then disposes the session. Checks `disposed` after every await: a drain or an aborted
   * upgrade may have ended the session meanwhile, and whatever was acquired late is released at once.
   */
  async connect(): Promise<void> {
    const { config, metrics } = this.ctx;
    const t0 = process.hrtime.bigint();
    metrics.connectsInFlight.inc();
    try {
      const acquired = await this.storeEntry.acquire({
        record: {
          id: this.id,
          ...sessionWho(this.auth),
          replica: config.replicaId,
          clientIp: this.clientIp,
          startedAt: this.startedAt,
          expiresAt: this.expiresAt,
        },
        maxConcurrent: this.auth.tenant.limits.maxConcurrentSessions,
        tenantConnectsPerMinute: this.auth.tenant.limits.connectsPerMinute,
        ipConnectsPerMinute: config.ipConnectsPerMinute,
        ...(this.resume === null ? {} : { resumeHash: this.resume.hash }),
      });
      if (acquired.ok && this.disposed) void this.storeEntry.release(true);
      this.throwIfDisposed();
      if (!acquired.ok) throw refusalError(acquired);
      this.storeEntry.hold();

      const dial = await this.ctx.clusters.dial(this.auth.tenant.kubeContext);
      this.throwIfDisposed();
      const headers = impersonationHeaders(resolveIdentity(this.auth.tenant.identity, this.auth.subject));
      // Usually the exec itself; a debug container's shell when the image has none and the tenant allows it.
      const chosen = await chooseTarget(
        {
          logger: this.ctx.logger,
          metrics,
          sessionId: this.id,
          probeTimeoutMs: config.upgradeTimeoutMs,
          cancelled: () => this.disposed,
        },
        this.auth,
        dial,
        { ...podTarget(this.auth), command: this.execCommand, tty: true },
        headers,
      );
      this.throwIfDisposed();
      this.debug = chosen.debug;
      await this.upstream.dial(dial, chosen.target, {
        headers,
        handshakeTimeoutMs: config.upgradeTimeoutMs,
        maxPayloadBytes: UPSTREAM_MAX_PAYLOAD_BYTES,
      });
      this.throwIfDisposed();
      this.upstream.markOpen();
      metrics.connectSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
    } finally {
      metrics.connectsInFlight.dec();
    }
  }

  private throwIfDisposed(): void {
    if (this.disposed) {
      const info = this.closeInfo!;
      const code = info.code === CloseCode.Unavailable ? ErrorCode.DRAINING : ErrorCode.INTERNAL;
      throw new PodShellError(code, info.message);
    }
  }

  /** Attaches the upgraded client socket (uWS `open`): starts the relay, timers and audit; or continues after a resume. */
  attachClient(ws: ClientSocket, how: ClientAttach = { resumeFrom: null, detach: () => {} }): void {
    if (this.disposed) {
      // Ended between the upgrade and `open` (drain, or the grace period ran out): tell the client why.
      this.client.attach(ws);
      this.client.sendClosing(this.closeInfo!);
      return;
    }
    if (how.resumeFrom !== null) {
      this.reattach(ws, how);
      return;
    }
    this.client.attach(ws);
    this.detachClient = how.detach;
    this.state = 'open';
    this.started = true;
    this.leaveConnecting();
    const { config } = this.ctx;
    this.accounting.started(this.expiresAt);
    this.resize = new ResizeLimiter(
      config.resizePerSecond,
      this.timers,
      (size) => this.forwardResize(size),
      () => this.ctx.metrics.resizesDropped.inc(),
    );
    this.ctx.gauges.inc('resizeHandlers');
    this.client.sendControl({
      ...this.helloBase(),
      files: transferCapabilities(this.auth),
      ...(this.resume === null
        ? {}
        : {
            resume: { credential: this.resume.credential(this.id), graceMs: this.resume.graceMs },
            offset: this.resume.buffer.end,
          }),
    });
    this.deadlines.armExpiry();
    this.deadlines.armIdle();
    this.timers.every('keepalive', config.keepaliveSeconds * 1000, () => this.keepalive());
    if (this.output.release() && !this.flow.paused) this.upstream.resume();
  }

  // ---- resume ------------------------------------------------------------------------------

  /** Whether a resume may target this session: resumable, not ended. */
  get resumable(): boolean {
    return this.resume !== null && !this.disposed && this.started;
  }

  /** The current resume secret (undefined when not resumable): only the manager reads it, to undo a resume nobody received. */
  get currentResumeSecret(): string | undefined {
    return this.resume?.currentSecret;
  }

  /** Puts back `previous` as the resume secret when `current` is still the one in use (an abandoned resume). */
  restoreResumeSecret(current: string, previous: string): void {
    if (this.resume?.currentSecret === current) this.resume.rotate(previous);
  }

  /** The output offset a resuming client may claim at most (what was sent so far). */
  get outputEnd(): number {
    return this.resume?.buffer.end ?? 0;
  }

  /**
   * The store granted a resume (the presented secret was current; `nextSecret`'s hash replaced it).
   * A client still attached — a reload whose old socket has not closed yet, a half-open connection,
   * or someone else holding the credential — is superseded: told `closing` 4411 and detached, and
   * the session waits in grace for the resuming socket, whose upgrade is on its way.
   */
  acceptResume(nextSecret: string): void {
    if (this.resume === null || this.disposed) return;
    this.resume.rotate(nextSecret);
    if (this.state !== 'open') return;
    this.detachClient?.();
    this.detachClient = null;
    this.client.sendClosing(
      closeInfoFor(
        new PodShellError(ErrorCode.SESSION_TAKEN_OVER, 'This session was resumed from another connection.'),
      ),
    );
    this.client.markClosed();
    this.enterGrace(CloseCode.TakenOver);
  }

  /** The client dropped without closing (1001 going away, 1006 lost): keep the shell for the grace period. */
  private enterGrace(code: number): void {
    const resume = this.resume!;
    this.state = 'grace';
    resume.enterGrace();
    this.flow.set('grace');
    this.ctx.logger.info('session.grace', { session: this.id, code, graceMs: resume.graceMs });
    this.timers.after('grace', resume.graceMs, () => {
      this.ctx.metrics.resumes.inc({ outcome: 'grace_expired' });
      this.dispose({
        code,
        reason: 'client_closed',
        message: 'the client did not come back within the resume grace period',
      });
    });
  }

  /** A resuming client's socket: hello with the next credential, the missed output, then live output. */
  private reattach(ws: ClientSocket, how: ClientAttach): void {
    const resume = this.resume!;
    this.client.attach(ws);
    this.detachClient = how.detach;
    this.timers.clear('grace');
    resume.leaveGrace();
    this.state = 'open';
    const replay = resume.buffer.since(Math.min(how.resumeFrom!, resume.buffer.end));
    this.window.rewind(replay.from);
    this.ctx.metrics.resumes.inc({ outcome: 'resumed' });
    this.ctx.metrics.resumeReplayedBytes.inc(replay.bytes);
    this.ctx.logger.info('session.resumed', {
      session: this.id,
      offset: how.resumeFrom,
      replayedBytes: replay.bytes,
      skippedBytes: replay.skipped,
    });
    // The same session as before the drop: the same target, debug container and file capabilities.
    this.client.sendControl({
      ...this.helloBase(),
      files: transferCapabilities(this.auth),
      resume: { credential: resume.credential(this.id), graceMs: resume.graceMs },
      offset: replay.from,
      resumed: true,
      skipped: replay.skipped,
    });
    this.output.replay(replay.frames);
    if (this.observerCount > 0) this.client.sendControl({ type: 'observers', count: this.observerCount });
    if (!this.disposed) this.flow.clear('grace');
  }

  /** What every `hello` of this session says, whoever it goes to (the client, a resumed client, an observer). */
  private helloBase(): HelloMessage {
    return {
      type: 'hello',
      session: this.id,
      expiresAt: this.expiresAt,
      idleTimeoutMs: this.deadlines.idleTimeoutMs,
      target: {
        namespace: this.auth.namespace,
        pod: this.auth.pod,
        container: this.debug?.name ?? this.auth.container ?? '',
      },
      ...(this.debug === undefined
        ? {}
        : {
            debugContainer: {
              name: this.debug.name,
              image: this.debug.image,
              targetContainer: this.debug.target,
              reused: this.debug.reused,
            },
          }),
    };
  }

  // ---- observers ---------------------------------------------------------------------------

  /** Whether a watcher may attach: the tenant allows observers, the session started and has not ended. */
  get observable(): boolean {
    return this.observers !== null && this.started && !this.disposed;
  }

  /** Watchers attached now. */
  get observerCount(): number {
    return this.observers?.count ?? 0;
  }

  /**
   * A watcher's socket (authorized by the manager's `claimObserver`): `hello` with `observer: true`, the
   * recent output, then live output. Null when the session ended meanwhile (the socket is told why).
   */
  attachObserver(ws: ObserverSocket, watcher: AuthorizedObserver): Observer | null {
    // The cap is checked again here: watchers claimed at the same time all passed claimObserver's check.
    const full = this.observerCount >= this.auth.tenant.limits.maxObserversPerSession;
    if (!this.observable || this.observers === null || full) {
      const info =
        (full ? undefined : this.closeInfo) ??
        closeInfoFor(
          new PodShellError(
            ErrorCode.OBSERVE_REFUSED,
            full ? 'This session has as many watchers as its tenant allows.' : 'This session cannot be watched.',
          ),
        );
      ws.cork(() => {
        ws.send(closingFrame(info), true);
        ws.end(info.code, closeFrameReason(info));
      });
      return null;
    }
    const recent = this.recent?.since(this.recent.start);
    return this.observers.attach(
      ws,
      watcher,
      {
        ...this.helloBase(),
        observer: true,
        offset: recent?.from ?? 0,
      },
      recent?.frames ?? [],
    );
  }

  // ---- relay events (only while the session is live) ----------------------------------------

  private onUpstreamMessage(data: Buffer, isBinary: boolean): void {
    if (this.disposed) return;
    this.output.message(data, isBinary);
  }

  private onUpstreamClosed(code: number, reason: string): void {
    if (this.disposed || !this.upstream.isOpen) return;
    this.output.closed(code, reason);
  }

  /** uWS `drain`: the client's buffer shrank. */
  onClientDrain(): void {
    if (this.disposed || !this.client.isOpen) return;
    this.output.drain();
  }

  /** uWS `message`: the ArrayBuffer is only valid during this call (ClientInput copies what it keeps). */
  onClientMessage(message: ArrayBuffer, isBinary: boolean): void {
    if (this.disposed || this.readingStopped || this.state !== 'open') return;
    this.input.apply(message, isBinary);
  }

  /** Resize is forwarded only for TTY sessions (every broker session is TTY today). */
  private forwardResize(size: TerminalSize): void {
    if (this.disposed) return;
    this.upstream.send(Buffer.from(encodeFrame(Channel.Resize, encodeResize(size))));
  }

  /** Every `refresh` frame passes the rate limit first: over it, no signature is checked at all. */
  private offerRefresh(token: string): void {
    const verdict = this.refreshLimiter.take();
    if (verdict === 'verify') {
      void this.refresh(token);
      return;
    }
    this.ctx.metrics.refreshesRefused.inc();
    const limit = this.ctx.config.refreshPerMinute;
    if (verdict === 'abuse') {
      this.dispose(
        closeInfoFor(
          new PodShellError(
            ErrorCode.REFRESH_RATE_LIMITED,
            `too many token refreshes (limit ${limit} per minute); the terminal was disconnected`,
          ),
        ),
      );
      return;
    }
    this.client.sendControl({
      type: 'error',
      code: ErrorCode.REFRESH_RATE_LIMITED,
      message: `too many token refreshes (limit ${limit} per minute); this one was ignored`,
    });
  }

  /**
   * A `refresh` with a valid token for the same tenant, subject and target extends the session, up to
   * the least of the token's expiry, the tenant's maximum duration and any operator limit. The store
   * decides atomically (a limit set through another replica, a kill or revoke racing this refresh:
   * both win); a refused extension ends nothing by itself except a kill, which ends the session.
   */
  private async refresh(token: string): Promise<void> {
    try {
      const tokenExp = await this.ctx.authenticator.verifyRefresh(this.auth, token);
      if (this.disposed) return;
      const granted = await this.storeEntry.extend(this.deadlines.extendToken(tokenExp));
      if (this.disposed) return;
      if (!granted.ok) {
        if (granted.reason === 'killed')
          this.dispose(
            closeInfoFor(
              new PodShellError(
                ErrorCode.SESSION_KILLED,
                granted.message ?? 'The session was terminated by an operator.',
              ),
            ),
          );
        else if (granted.reason === 'locked')
          this.dispose(closeInfoFor(new PodShellError(ErrorCode.LOCKED, granted.message || 'Access is locked.')));
        else
          this.client.sendControl({
            type: 'error',
            code: ErrorCode.STORE_UNAVAILABLE,
            message: 'the session is not in the session store; it was not extended',
          });
        return;
      }
      this.deadlines.grant(granted.expiresAt);
      if (this.state === 'open' || this.state === 'grace') this.deadlines.armExpiry();
      this.client.sendControl({ type: 'extended', expiresAt: this.expiresAt });
    } catch (err) {
      if (this.disposed) return;
      const e = toPodShellError(err);
      this.client.sendControl({ type: 'error', code: e.code, message: sanitizeMessage(e.message) });
    }
  }

  // ---- timers ------------------------------------------------------------------------------

  /** An operator's set-expiry: caps the forced-close deadline for good (a refresh cannot undo it) and re-arms both timers. */
  limitExpiry(limitAt: number): void {
    if (this.disposed) return;
    this.deadlines.limit(limitAt);
    this.storeEntry.updateExpiry(this.expiresAt);
    if (this.state === 'open' || this.state === 'grace') this.deadlines.armExpiry();
  }

  /** Upstream keepalive: a ping per period; no pong by the next period ends the session (4500). */
  private keepalive(): void {
    if (this.disposed || this.upstream.keepalive(this.flow.paused)) return;
    this.dispose({
      code: CloseCode.Upstream,
      reason: 'upstream_timeout',
      message: 'the Kubernetes API stopped answering keepalive pings',
    });
  }

  // ---- client socket -----------------------------------------------------------------------

  /** uWS `close` handler: from here on the client socket is never touched again. */
  onClientClosed(code: number, message: string): void {
    this.client.markClosed();
    this.detachClient = null;
    // Only a drop (1001 going away: a reload or closed tab; 1006: connection lost) waits for a resume;
    // a close the client chose ends the session as before.
    if (this.resume !== null && !this.disposed && this.state === 'open' && (code === 1001 || code === 1006)) {
      this.enterGrace(code);
      return;
    }
    this.dispose({
      code,
      reason: 'client_closed',
      message: message === '' ? 'the client closed the connection' : sanitizeMessage(message),
    });
  }

  // ---- teardown ----------------------------------------------------------------------------

  /** An unexpected exception inside the session: log it and end the session with 4500. */
  fail(err: unknown): void {
    this.ctx.logger.error('session.internal_error', { session: this.id, err });
    this.dispose(closeInfoFor(err));
  }

  /** The single teardown. Idempotent; fixed order (see the class comment). */
  dispose(info: CloseInfo): void {
    if (this.disposed) return;
    this.disposed = true;
    this.closeInfo = info;
    const wasStarted = this.started;
    this.state = 'closed';
    // 1. stop reading the client
    this.readingStopped = true;
    // 2. end the upstream
    this.upstream.end();
    // 3. clear timers and the resize handler
    this.timers.clearAll();
    if (this.resize !== null) {
      this.resize = null;
      this.ctx.gauges.dec('resizeHandlers');
    }
    this.output.stop();
    this.resume?.dispose();
    this.recent?.clear();
    // 4. release the store entry
    void this.storeEntry.release(false);
    // 5. gauges, metrics and audit
    if (wasStarted) this.accounting.ended(info, this.startedAt, this.traffic);
    else this.accounting.rejected(info);
    this.leaveConnecting();
    // 6. closing frame, then close the client if still open; observers end with the session
    this.client.sendClosing(info);
    this.observers?.endAll(info);
    this.ctx.onDisposed(this.id);
    // A debug container's shell needs no hang-up exec: it was created with stdinOnce and ends when the attach does.
    if (wasStarted && info.reason !== 'exited' && this.upstream.isOpen && this.debug === undefined)
      endOrphanedShell(this.ctx, this.auth, this.id);
  }

  /** A snapshot for /debug/sessions: state, timers and resources, no token, no terminal content. */
  info(): Record<string, unknown> {
    return {
      id: this.id,
      ...sessionWho(this.auth),
      command: [...this.auth.command],
      clientIp: this.clientIp,
      state: this.state,
      startedAt: this.startedAt,
      expiresAt: this.expiresAt,
      idleTimeoutMs: this.deadlines.idleTimeoutMs,
      lastActivityAt: this.traffic.lastActivity,
      bytesIn: this.traffic.bytesIn,
      bytesOut: this.traffic.bytesOut,
      paused: this.flow.list(),
      unacknowledgedBytes: this.window.windowed ? this.window.unacknowledged : null,
      clientBufferedBytes: this.client.bufferedAmount,
      upstreamBufferedBytes: this.upstream.bufferedAmount,
      resizeDropped: this.resize?.dropped ?? 0,
      resume:
        this.resume === null
          ? null
          : {
              inGrace: this.resume.inGrace,
              outputEnd: this.resume.buffer.end,
              bufferedBytes: this.resume.buffer.heldBytes,
            },
      observers: this.observers === null ? null : this.observers.list(),
      resources: {
        clientSocket: this.client.isOpen,
        upstreamSocket: this.upstream.isCounted,
        resizeHandler: this.resize !== null,
        storeEntry: this.storeEntry.isHeld,
        timers: this.timers.names(),
      },
    };
  }
}
