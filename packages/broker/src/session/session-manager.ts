import type { ResumeRequest } from '@pod-shell/protocol';
import type { AuthorizedObserver, AuthorizedSession } from '../auth/authorized-session.js';
import { ErrorCode, PodShellError } from '../errors.js';
import type { ControlCommand } from '../store/session-store.js';
import { closeInfoFor, Session } from './session.js';
import type { SessionContext } from './session-context.js';
import { newResumeSecret, resumeSecretHash } from './session-resume.js';

/**
 * Knows every live session on this replica (connecting or open) and acts on them as a group:
 * control commands from the store (kill, kill-subject, kill-tenant, set-expiry), drain, and the
 * debug listing. Sessions remove themselves at the end of their dispose.
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly ctx: SessionContext;
  private unsubscribe: (() => void) | null = null;

  constructor(ctx: Omit<SessionContext, 'onDisposed'>) {
    this.ctx = { ...ctx, onDisposed: (id) => this.sessions.delete(id) };
  }

  /** Creates (and registers) the session for an authenticated upgrade; it owns nothing yet. */
  create(auth: AuthorizedSession, clientIp: string, options: { resumable: boolean } = { resumable: false }): Session {
    if (this.ctx.auditBacklogged())
      throw new PodShellError(
        ErrorCode.AUDIT_BACKLOG,
        'The broker cannot write its audit log fast enough; try again shortly.',
      );
    const session = new Session(this.ctx, auth, clientIp, options);
    this.sessions.set(session.id, session);
    return session;
  }

  /**
   * A resume of a session on this replica. The credential is checked by the store in one atomic
   * step (live, same tenant, same subject, current secret, which it replaces: single use); the token
   * that came with it must also name the session's target. Every refusal is the same
   * RESUME_REFUSED to the client (no oracle for which sessions exist); the log has the cause.
   * Returns the session, which has accepted the resume (a client still attached was superseded).
   */
  async claimResume(auth: AuthorizedSession, request: ResumeRequest): Promise<Session> {
    const refuse = (cause: string): never => {
      this.ctx.metrics.resumes.inc({ outcome: 'refused' });
      this.ctx.logger.info('session.resume_refused', { session: request.sessionId, tenant: auth.tenant.name, cause });
      throw new PodShellError(
        ErrorCode.RESUME_REFUSED,
        'The session cannot be resumed: it has ended, or this resume credential is not valid. Start a new session.',
      );
    };
    const session = this.sessions.get(request.sessionId);
    // FIXME: a session held by another replica is refused here (resume through any replica is not built yet).
    if (session === undefined || !session.resumable) return refuse('not_here');
    const same = session.auth;
    if (
      same.tenant.name !== auth.tenant.name ||
      same.subject !== auth.subject ||
      same.namespace !== auth.namespace ||
      same.pod !== auth.pod ||
      (same.container ?? '') !== (auth.container ?? '')
    )
      return refuse('other_identity_or_target');
    if (request.offset > session.outputEnd)
      throw new PodShellError(
        ErrorCode.BAD_REQUEST,
        `the resume offset ${request.offset} is past the ${session.outputEnd} output bytes the session sent`,
      );
    const next = newResumeSecret();
    const claim = await this.ctx.store.takeResume(
      auth.tenant.name,
      request.sessionId,
      auth.subject,
      resumeSecretHash(request.secret),
      resumeSecretHash(next),
    );
    if (!claim.ok) return refuse(claim.reason);
    if (!session.resumable) return refuse('ended');
    session.acceptResume(next);
    return session;
  }

  /**
   * The client of a granted resume left before its socket opened, so it never received the rotated
   * credential: the session gets back the one the client still holds (store first, then the session),
   * so the client can try again within the grace period.
   */
  async abandonResume(session: Session, auth: AuthorizedSession, request: ResumeRequest): Promise<void> {
    const current = session.currentResumeSecret;
    if (current === undefined || !session.resumable) return;
    try {
      const back = await this.ctx.store.takeResume(
        auth.tenant.name,
        session.id,
        auth.subject,
        resumeSecretHash(current),
        resumeSecretHash(request.secret),
      );
      if (back.ok) session.restoreResumeSecret(current, request.secret);
    } catch (err) {
      this.ctx.logger.warn('session.resume_restore_failed', { session: session.id, err });
    }
  }

  /**
   * The session a verified observer token names, if it may be watched: live on this replica (started,
   * not ended), of the token's tenant, and that tenant allows observers. Every refusal is the same
   * OBSERVE_REFUSED to the client (no oracle for which sessions exist); the log has the cause.
   */
  claimObserver(watcher: AuthorizedObserver): Session {
    const session = this.sessions.get(watcher.sessionId);
    let cause: string | null = null;
    if (watcher.tenant.observers !== true) cause = 'tenant_disallows';
    else if (session === undefined) cause = 'not_here';
    else if (session.auth.tenant.name !== watcher.tenant.name) cause = 'other_tenant';
    else if (!session.observable) cause = 'not_live';
    if (
      cause === null &&
      session !== undefined &&
      session.observerCount >= session.auth.tenant.limits.maxObserversPerSession
    ) {
      // Only a valid watcher of this very tenant gets this far: it may learn why.
      this.ctx.logger.info('session.observe_refused', {
        session: watcher.sessionId,
        tenant: watcher.tenant.name,
        observer: watcher.subject,
        cause: 'full',
      });
      throw new PodShellError(
        ErrorCode.OBSERVE_REFUSED,
        `This session already has ${session.observerCount} watchers, the most its tenant allows.`,
      );
    }
    if (cause !== null || session === undefined) {
      this.ctx.logger.info('session.observe_refused', {
        session: watcher.sessionId,
        tenant: watcher.tenant.name,
        observer: watcher.subject,
        cause,
      });
      throw new PodShellError(
        ErrorCode.OBSERVE_REFUSED,
        'This session cannot be watched: it has ended, or watching it is not allowed.',
      );
    }
    return session;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** Live sessions (connecting and open). The leak canary compares resource gauges with this. */
  get size(): number {
    return this.sessions.size;
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  /** Subscribes to the store's control channel (kill / set-expiry from any replica or the admin API). */
  listen(): void {
    if (this.unsubscribe !== null) return;
    this.unsubscribe = this.ctx.store.subscribe((command) => {
      try {
        this.apply(command);
      } catch (err) {
        this.ctx.logger.error('sessions.control_failed', { err, kind: command.kind });
      }
    });
  }

  /** Applies one control command to the matching local sessions; returns how many it touched. */
  apply(command: ControlCommand): number {
    const kill = (s: Session, message?: string): void =>
      s.dispose(
        closeInfoFor(
          new PodShellError(ErrorCode.SESSION_KILLED, message ?? 'The session was terminated by an operator.'),
        ),
      );
    let n = 0;
    for (const s of this.list()) {
      const t = s.auth.tenant.name;
      switch (command.kind) {
        case 'kill':
          if (s.id === command.sessionId) {
            kill(s, command.message);
            n++;
          }
          break;
        case 'kill-subject':
          if (t === command.tenant && s.auth.subject === command.subject) {
            kill(s, command.message);
            n++;
          }
          break;
        case 'kill-tenant':
          if (t === command.tenant) {
            kill(s, command.message);
            n++;
          }
          break;
        case 'set-expiry':
          if (s.id === command.sessionId) {
            s.limitExpiry(command.expiresAt);
            n++;
          }
          break;
      }
    }
    return n;
  }

  /** Ends every session with `closing` + 4503 (drain). Returns how many there were. */
  drainAll(): number {
    const all = this.list();
    const info = closeInfoFor(
      new PodShellError(ErrorCode.DRAINING, 'The broker is restarting; reconnect to continue.'),
    );
    for (const s of all) s.dispose(info);
    return all.length;
  }

  stopListening(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
