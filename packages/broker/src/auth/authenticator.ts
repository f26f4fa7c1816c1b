import type { BrokerConfig } from '../config/config.js';
import { AuthError, ErrorCode } from '../errors.js';
import type { TenantLookup } from '../tenants/tenant-registry.js';
import { staticTenants } from '../tenants/tenant-registry.js';
import type { Tenant } from '../tenants/tenant.js';
import type { Authenticator, AuthorizedObserver, AuthorizedSession, UpgradeCredentials } from './authorized-session.js';
import { claimedIssuer } from './auth-failure-limiter.js';
import { verifyTenantAdminToken } from './tenant-admin-token.js';
import {
  identifyToken,
  MAX_TOKEN_LENGTH,
  verifyIdentified,
  verifyObserverIdentified,
  type VerifyOptions,
} from './jwt-verify.js';
import { checkOrigin } from './origin.js';
import { authorizeTarget } from './target-policy.js';

export interface AuthenticatorOptions {
  /** The tenant registry (hot-reloaded) or a fixed list. Looked up on every call, so reloads apply at once. */
  tenants: TenantLookup | readonly Tenant[];
  config: Pick<BrokerConfig, 'clockToleranceSeconds' | 'maxTokenAgeSeconds'>;
  /** Current time in epoch ms (tests inject it). */
  clock?: () => number;
}

function sameTarget(a: AuthorizedSession, b: AuthorizedSession): boolean {
  return (
    a.namespace === b.namespace &&
    a.pod === b.pod &&
    a.container === b.container &&
    a.command.length === b.command.length &&
    a.command.every((v, i) => v === b.command[i])
  );
}

/**
 * The upgrade-time gate. Order: token present → tenant and key from the untrusted token → Origin
 * (exact match; refused with 403 before the signature is even checked) → signature and claims →
 * target policy. Counts nothing: the caller records `podshell_auth_failures_total{reason}` from
 * `err.reason`. Errors never contain the token.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const lookup: TenantLookup = Array.isArray(options.tenants)
    ? staticTenants(options.tenants as readonly Tenant[])
    : (options.tenants as TenantLookup);
  const clock = options.clock ?? Date.now;
  const verifyOptions = (): VerifyOptions => ({
    clockToleranceSeconds: options.config.clockToleranceSeconds,
    maxTokenAgeSeconds: options.config.maxTokenAgeSeconds,
    nowMs: clock(),
  });

  const verifySession = (token: string, origin: string | null | undefined): AuthorizedSession => {
    const id = identifyToken(token, lookup);
    if (origin !== undefined) checkOrigin(id.tenant, origin);
    const { tenant, claims, validUntilMs } = verifyIdentified(token, id, verifyOptions());
    const target = authorizeTarget(tenant, claims.target);
    const session: AuthorizedSession = {
      tenant,
      subject: claims.sub,
      namespace: target.namespace,
      pod: target.pod,
      command: target.command,
      tokenExpiresAt: validUntilMs,
    };
    if (target.container !== undefined) session.container = target.container;
    return session;
  };

  const presentToken = (credentials: UpgradeCredentials): string => {
    const token = credentials.token;
    if (token === null || token === '')
      throw new AuthError(
        ErrorCode.TOKEN_MISSING,
        'no token: send it as the pod-shell.bearer.<jwt> subprotocol or an Authorization: Bearer header',
      );
    return token;
  };

  return {
    // Verification is synchronous today (keys are in memory); the interface is a promise so a key source
    // that does I/O can be added. A throw inside the executor becomes the rejection.
    authenticate(credentials: UpgradeCredentials): Promise<AuthorizedSession> {
      return new Promise((resolve) => {
        resolve(verifySession(presentToken(credentials), credentials.origin));
      });
    },

    authenticateObserver(credentials: UpgradeCredentials): Promise<AuthorizedObserver> {
      return new Promise((resolve) => {
        const token = presentToken(credentials);
        const id = identifyToken(token, lookup);
        checkOrigin(id.tenant, credentials.origin);
        const v = verifyObserverIdentified(token, id, verifyOptions());
        resolve({ tenant: v.tenant, subject: v.subject, sessionId: v.sessionId, tokenExpiresAt: v.validUntilMs });
      });
    },

    verifyTenantAdmin(token: string): { tenant: string; subject: string } {
      const admin = verifyTenantAdminToken(token, lookup, {
        clockToleranceSeconds: options.config.clockToleranceSeconds,
        nowMs: clock(),
      });
      return { tenant: admin.tenant.name, subject: admin.subject };
    },

    claimedTenant(token: string | null): string | null {
      const iss = claimedIssuer(token, MAX_TOKEN_LENGTH);
      return iss === null ? null : (lookup.byIssuer(iss)?.name ?? null);
    },

    verifyRefresh(current: AuthorizedSession, token: string): Promise<number> {
      return new Promise((resolve) => {
        if (token === '') throw new AuthError(ErrorCode.TOKEN_MISSING, 'the refresh frame carries no token');
        // Origin was checked at the upgrade; the socket cannot change it since.
        const next = verifySession(token, undefined);
        if (next.tenant.name !== current.tenant.name)
          throw new AuthError(ErrorCode.TOKEN_INVALID, 'refresh token belongs to another tenant');
        if (next.subject !== current.subject)
          throw new AuthError(ErrorCode.TOKEN_INVALID, 'refresh token names another subject');
        if (!sameTarget(next, current))
          throw new AuthError(ErrorCode.TARGET_FORBIDDEN, 'refresh token names another target');
        resolve(next.tokenExpiresAt);
      });
    },
  };
}
