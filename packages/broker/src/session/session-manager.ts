import type { AuthorizedSession } from '../auth/authorized-session.js';
import { ErrorCode, PodShellError } from '../errors.js';
import type { ControlCommand } from '../store/session-store.js';
import { closeInfoFor, Session } from './session.js';
import type { SessionContext } from './session-context.js';

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
  create(auth: AuthorizedSession, clientIp: string): Session {
    if (this.ctx.auditBacklogged())
      throw new PodShellError(
        ErrorCode.AUDIT_BACKLOG,
        'The broker cannot write its audit log fast enough; try again shortly.',
      );
    const session = new Session(this.ctx, auth, clientIp);
    this.sessions.set(session.id, session);
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
