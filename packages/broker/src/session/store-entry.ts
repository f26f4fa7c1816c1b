import { ErrorCode, PodShellError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { AcquireRequest, AcquireResult, ExtendResult, SessionStore } from '../store/session-store.js';

/**
 * A session's entry in the shared session store: what counts against the tenant's quota and lets
 * any replica list, shorten or kill the session. Rules: an unreachable store refuses the session
 * (fail closed, STORE_UNAVAILABLE); the entry is held only once the session still wants it after
 * the acquire returned; it is released exactly once, and a failed update or release is logged,
 * never thrown into the session's lifecycle (the store's reconcile repairs it).
 */
export class StoreEntry {
  private held = false;

  constructor(
    private readonly store: SessionStore,
    private readonly logger: Logger,
    private readonly tenant: string,
    private readonly sessionId: string,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    try {
      return await this.store.acquire(req);
    } catch (err) {
      throw new PodShellError(ErrorCode.STORE_UNAVAILABLE, 'the session store is unreachable; try again shortly', {
        cause: err,
      });
    }
  }

  /** The acquire succeeded and the session still wants the entry: from now on dispose releases it. */
  hold(): void {
    this.held = true;
  }

  updateExpiry(expiresAt: number): void {
    if (!this.held) return;
    this.store.updateExpiry(this.tenant, this.sessionId, expiresAt).catch((err: unknown) => {
      this.logger.warn('session.store_update_failed', { session: this.sessionId, err });
    });
  }

  /** The observer count changed: kept with the session's entry for listings (best effort). */
  updateObservers(count: number): void {
    if (!this.held) return;
    this.store.setObservers(this.tenant, this.sessionId, count).catch((err: unknown) => {
      this.logger.warn('session.store_update_failed', { session: this.sessionId, err });
    });
  }

  /** A refresh: asks the store for a later expiry (capped by a stored limit; refused after a kill). Throws STORE_UNAVAILABLE. */
  async extend(wantedExpiresAt: number): Promise<ExtendResult> {
    if (!this.held) return { ok: false, reason: 'gone' };
    return this.store.extendExpiry(this.tenant, this.sessionId, wantedExpiresAt);
  }

  /** Releases a held entry; `force` also releases one acquired after the session had already ended. */
  async release(force: boolean): Promise<void> {
    if (!this.held && !force) return;
    this.held = false;
    try {
      await this.store.release(this.tenant, this.sessionId);
    } catch (err) {
      this.logger.warn('session.store_release_failed', { session: this.sessionId, err });
    }
  }
}

/** The client-facing error for a store refusal (quota, connect rate or a lock), carrying the store's message. */
export function refusalError(refused: Extract<AcquireResult, { ok: false }>): PodShellError {
  const code =
    refused.reason === 'quota_exceeded'
      ? ErrorCode.QUOTA_EXCEEDED
      : refused.reason === 'locked'
        ? ErrorCode.LOCKED
        : ErrorCode.RATE_LIMITED;
  return new PodShellError(code, refused.message);
}
