import { ErrorCode, PodShellError } from '../errors.js';
import type { SessionTimers } from './session-timers.js';

/** What the deadlines ask of their session. */
export interface DeadlineHooks {
  /** A deadline passed: end the session with this error (4401 expired, 4408 idle). */
  end(err: PodShellError): void;
  /** Warn the client that the session is force-closed at `at`. */
  warn(at: number): void;
  /** Epoch ms of the last stdin/stdout payload. */
  lastActivity(): number;
}

export interface DeadlineLimits {
  startedAt: number;
  tokenExpiresAt: number;
  maxSessionSeconds: number;
  /** How long before the forced close the `expiring` warning goes out. */
  expiringWarningSeconds: number;
  /** 0 or less: no idle timeout. */
  idleTimeoutSeconds: number;
}

/**
 * The session's deadlines on its timers: the forced close at `expiresAt` (the token's expiry, capped
 * by the tenant's maximum duration), one `expiring` warning per deadline, and the idle timeout.
 * A refreshed token moves the deadline up to the least of its expiry, the maximum duration and the
 * operator's limit; an operator's set-expiry moves it down and becomes that limit; `armExpiry` then re-arms both
 * expiry timers, and a warning already due goes out at once — but never twice for the same deadline.
 */
export class SessionDeadlines {
  expiresAt: number;
  readonly idleTimeoutMs: number;
  private tokenExpiresAt: number;
  private expiringSentFor = 0;
  /** The earliest limit an operator set (admin API), or Infinity. */
  private operatorLimit = Infinity;
  private readonly maxEndsAt: number;
  private readonly warningMs: number;

  constructor(
    private readonly timers: SessionTimers,
    limits: DeadlineLimits,
    private readonly hooks: DeadlineHooks,
  ) {
    this.tokenExpiresAt = limits.tokenExpiresAt;
    this.maxEndsAt = limits.startedAt + limits.maxSessionSeconds * 1000;
    this.expiresAt = Math.min(limits.tokenExpiresAt, this.maxEndsAt);
    this.warningMs = limits.expiringWarningSeconds * 1000;
    this.idleTimeoutMs = Math.max(0, limits.idleTimeoutSeconds) * 1000;
  }

  /**
   * A refresh brought a token valid until `tokenExpiresAt`: returns the deadline it may ask for, the
   * least of the new token's expiry, the maximum duration and any operator limit. The store may
   * still cap it (a limit set through another replica); `grant` then applies what it allowed.
   */
  extendToken(tokenExpiresAt: number): number {
    this.tokenExpiresAt = tokenExpiresAt;
    return Math.min(tokenExpiresAt, this.maxEndsAt, this.operatorLimit);
  }

  /** Applies a granted refresh: never past the operator limit, whatever order replies and broadcasts arrived in. */
  grant(expiresAt: number): void {
    this.expiresAt = Math.min(expiresAt, this.maxEndsAt, this.operatorLimit);
  }

  /** An operator capped the session at `limitAt`: it sticks, a later refresh cannot move past it. */
  limit(limitAt: number): void {
    this.operatorLimit = Math.min(this.operatorLimit, limitAt);
    this.expiresAt = Math.min(this.expiresAt, this.operatorLimit);
  }

  armExpiry(): void {
    const at = this.expiresAt;
    const tokenExpired = at >= this.tokenExpiresAt;
    this.timers.at('expiry', at, () =>
      this.hooks.end(
        new PodShellError(
          ErrorCode.SESSION_EXPIRED,
          tokenExpired ? 'The session token expired.' : 'The session reached its maximum duration.',
        ),
      ),
    );
    const warnAt = at - this.warningMs;
    const warn = (): void => {
      if (this.expiringSentFor === at) return;
      this.expiringSentFor = at;
      this.hooks.warn(at);
    };
    if (warnAt <= Date.now()) {
      this.timers.clear('expiring');
      warn();
    } else {
      this.timers.at('expiring', warnAt, warn);
    }
  }

  /** Idle is measured on real stdin/stdout bytes only; one timer, re-armed lazily from the last activity. */
  armIdle(): void {
    const idle = this.idleTimeoutMs;
    if (idle <= 0) return;
    this.timers.at('idle', this.hooks.lastActivity() + idle, () => {
      if (Date.now() - this.hooks.lastActivity() >= idle) {
        this.hooks.end(
          new PodShellError(ErrorCode.SESSION_IDLE, `The session was idle for ${Math.round(idle / 1000)} seconds.`),
        );
      } else {
        this.armIdle();
      }
    });
  }
}
