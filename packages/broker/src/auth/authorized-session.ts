import type { Tenant } from '../tenants/tenant.js';

/** The outcome of a successful upgrade authentication: who, which tenant, which target, until when. */
export interface AuthorizedSession {
  tenant: Tenant;
  subject: string;
  namespace: string;
  pod: string;
  /** Unset when the token names no container (the pod's default container is used). */
  container?: string;
  /** argv; the tenant's default command when the token names none. */
  command: string[];
  /** Token `exp` in epoch ms, capped at `iat` + MAX_TOKEN_AGE_SECONDS (when the credential stops being valid). */
  tokenExpiresAt: number;
}

/** The outcome of a successful observer authentication: who may watch which session of which tenant, until when. */
export interface AuthorizedObserver {
  tenant: Tenant;
  /** The watcher (`sub`). */
  subject: string;
  /** The session named by the token's `observe` claim (not checked to exist: the session manager does that). */
  sessionId: string;
  /** Token `exp` in epoch ms, capped at `iat` + MAX_TOKEN_AGE_SECONDS: the observer is closed then. */
  tokenExpiresAt: number;
}

/** What the upgrade handler copied out of the request, synchronously (uWS reuses the request object). */
export interface UpgradeCredentials {
  /** From `pod-shell.bearer.<jwt>` or `Authorization: Bearer`; never from the URL. */
  token: string | null;
  origin: string | null;
  clientIp: string;
}

export interface Authenticator {
  /**
   * Verifies the token (tenant from `iss`, key by `kid`, pinned algorithm, aud/exp/iat/nbf, max age),
   * the origin against the tenant's exact-match list, and the target against the tenant's allowlists.
   * Throws AuthError (errors.ts) with a code that maps to 401/403.
   */
  authenticate(credentials: UpgradeCredentials): Promise<AuthorizedSession>;
  /**
   * Verifies an observer token (claim `observe` = a session id, no `target`; same keys, issuer,
   * audience, lifetime rules as a session token) and the origin. Throws AuthError otherwise.
   */
  authenticateObserver(credentials: UpgradeCredentials): Promise<AuthorizedObserver>;
  /**
   * Verifies a refresh token for a live session: same tenant, subject and target. Returns the new
   * token expiry (epoch ms). Throws AuthError otherwise.
   */
  verifyRefresh(current: AuthorizedSession, token: string): Promise<number>;
  /**
   * The tenant the token CLAIMS to come from (its unverified `iss`, if a tenant has that issuer), or
   * null. Only ever used to pick a failed-authentication bucket before verifying; never trusted.
   */
  claimedTenant(token: string | null): string | null;
  /**
   * Verifies a tenant admin token (auth/tenant-admin-token.ts: the tenant's own key, aud
   * "pod-shell-admin", scope "admin", at most 5 minutes long). Throws AuthError otherwise.
   */
  verifyTenantAdmin(token: string): { tenant: string; subject: string };
}
