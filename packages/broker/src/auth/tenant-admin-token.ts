import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AuthError, ConfigError, ErrorCode } from '../errors.js';
import type { TenantLookup } from '../tenants/tenant-registry.js';
import type { Tenant } from '../tenants/tenant.js';
import { keyObjectsFor } from '../tenants/tenant-keys.js';
import { identifyToken } from './jwt-verify.js';
import { signingKeyOf } from './token-mint.js';

/**
 * Tenant admin tokens (docs/tokens.md, "Tenant admin tokens"): a tenant's backend calls the admin API
 * for its OWN tenant with a short-lived JWT signed by one of the tenant's keys. Claims:
 *   iss    the tenant's issuer (picks the tenant and key, exactly as for session tokens)
 *   aud    "pod-shell-admin" — never the tenant's session audience, so neither kind of token is
 *          accepted where the other is expected
 *   scope  "admin"
 *   sub    who acts (the backend or the person behind it; written to the log)
 *   iat, exp   exp − iat ≤ 300 s; iat not in the future
 * No `target`: it opens no shell. Errors never contain the token.
 */
export const TENANT_ADMIN_AUDIENCE = 'pod-shell-admin';
export const TENANT_ADMIN_SCOPE = 'admin';
export const TENANT_ADMIN_MAX_LIFETIME_SECONDS = 300;

export interface TenantAdmin {
  tenant: Tenant;
  /** The `sub` claim: who acts. */
  subject: string;
}

function invalid(message: string, cause?: unknown): AuthError {
  return new AuthError(ErrorCode.TOKEN_INVALID, message, cause === undefined ? undefined : { cause });
}

/** Verifies a tenant admin token; throws AuthError (TOKEN_INVALID / TOKEN_EXPIRED). */
export function verifyTenantAdminToken(
  token: string,
  tenants: TenantLookup,
  opts: { clockToleranceSeconds: number; nowMs: number },
): TenantAdmin {
  const { tenant, key } = identifyToken(token, tenants);
  const tolerance = Math.min(Math.max(opts.clockToleranceSeconds, 0), 60);
  let payload: jwt.JwtPayload;
  try {
    const v = jwt.verify(token, keyObjectsFor(key).verify, {
      algorithms: [key.alg as jwt.Algorithm],
      audience: TENANT_ADMIN_AUDIENCE,
      issuer: tenant.issuer,
      clockTolerance: tolerance,
      clockTimestamp: Math.floor(opts.nowMs / 1000),
    });
    if (typeof v === 'string') throw invalid('token payload is not a JSON object');
    payload = v;
  } catch (err) {
    if (err instanceof AuthError) throw err;
    if (err instanceof jwt.TokenExpiredError)
      throw new AuthError(ErrorCode.TOKEN_EXPIRED, 'admin token has expired', { cause: err });
    throw invalid('admin token is invalid (signature, audience "pod-shell-admin" or issuer)', err);
  }
  if (payload['scope'] !== TENANT_ADMIN_SCOPE) throw invalid('admin token lacks scope "admin"');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256)
    throw invalid('admin token lacks a subject');
  if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number')
    throw invalid('admin token needs "iat" and "exp"');
  if (payload.iat > opts.nowMs / 1000 + tolerance) throw invalid('admin token was issued in the future (iat)');
  if (payload.exp - payload.iat > TENANT_ADMIN_MAX_LIFETIME_SECONDS)
    throw invalid(`admin token lives longer than ${TENANT_ADMIN_MAX_LIFETIME_SECONDS} s (exp - iat)`);
  return { tenant, subject: payload.sub };
}

/** Mints a tenant admin token (the `token --admin` CLI, tests). */
export function mintTenantAdminToken(options: {
  tenant: Tenant;
  sub: string;
  ttlSeconds: number;
  kid?: string;
  now?: number;
}): string {
  if (
    !Number.isInteger(options.ttlSeconds) ||
    options.ttlSeconds < 1 ||
    options.ttlSeconds > TENANT_ADMIN_MAX_LIFETIME_SECONDS
  ) {
    throw new ConfigError(
      `an admin token's ttl must be 1 to ${TENANT_ADMIN_MAX_LIFETIME_SECONDS} seconds, got ${options.ttlSeconds}`,
    );
  }
  const key = signingKeyOf(options.tenant, options.kid);
  const sign = keyObjectsFor(key).sign;
  if (!sign)
    throw new ConfigError(`tenant "${options.tenant.name}" key "${key.kid}" has no privateKey to sign with`, {
      tenants: true,
    });
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const payload = {
    iss: options.tenant.issuer,
    aud: TENANT_ADMIN_AUDIENCE,
    sub: options.sub,
    scope: TENANT_ADMIN_SCOPE,
    iat,
    exp: iat + options.ttlSeconds,
    jti: randomBytes(16).toString('base64url'),
  };
  return jwt.sign(payload, sign, { algorithm: key.alg as jwt.Algorithm, keyid: key.kid });
}
