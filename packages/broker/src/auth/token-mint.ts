import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ConfigError } from '../errors.js';
import type { Tenant, TenantKey } from '../tenants/tenant.js';
import { keyObjectsFor } from '../tenants/tenant-keys.js';
import type { TokenTarget } from './target-policy.js';

/** Bounds of a minted token's lifetime. */
export const MIN_TTL_SECONDS = 1;
export const MAX_TTL_SECONDS = 24 * 3600;

export interface MintOptions {
  tenant: Tenant;
  sub: string;
  /** A session token's target; leave out for an observer token. */
  target?: TokenTarget;
  /** An observer token: the session id it may watch read-only (claim `observe`, no `target`). */
  observe?: string;
  ttlSeconds: number;
  /** Epoch ms; default Date.now(). */
  now?: number;
  /** Pick a key by kid; default the tenant's first key that can sign. */
  kid?: string;
  /** Default: 128 random bits, base64url. */
  jti?: string;
}

/** The key `mintToken` signs with: the requested kid, else the first key holding a signing key. */
export function signingKeyOf(tenant: Tenant, kid?: string): TenantKey {
  const key =
    kid === undefined ? tenant.keys.find((k) => k.signKey !== undefined) : tenant.keys.find((k) => k.kid === kid);
  if (!key) {
    throw new ConfigError(
      kid === undefined
        ? `tenant "${tenant.name}" has no key that can sign: add privateKey/privateKeyFile (or use an HS secret) to one of its keys`
        : `tenant "${tenant.name}" has no key with kid "${kid}"`,
      { tenants: true },
    );
  }
  if (key.signKey === undefined)
    throw new ConfigError(`tenant "${tenant.name}" key "${key.kid}" has no privateKey to sign with`, { tenants: true });
  return key;
}

/**
 * Signs a token in the layout docs/tokens.md describes, with the key's pinned algorithm and its kid
 * in the header. For demos, tests and operators; production tokens come from the tenant's own backend.
 */
export function mintToken(options: MintOptions): string {
  const { tenant, sub, target, observe } = options;
  if ((target === undefined) === (observe === undefined))
    throw new ConfigError('a token names either a target (a session token) or a session to observe, not both');
  if (
    !Number.isInteger(options.ttlSeconds) ||
    options.ttlSeconds < MIN_TTL_SECONDS ||
    options.ttlSeconds > MAX_TTL_SECONDS
  ) {
    throw new ConfigError(
      `ttl must be an integer from ${MIN_TTL_SECONDS} to ${MAX_TTL_SECONDS} seconds, got ${options.ttlSeconds}`,
    );
  }
  const key = signingKeyOf(tenant, options.kid);
  const sign = keyObjectsFor(key).sign;
  if (!sign)
    throw new ConfigError(`tenant "${tenant.name}" key "${key.kid}" has no privateKey to sign with`, { tenants: true });
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const payload: Record<string, unknown> = {
    iss: tenant.issuer,
    aud: tenant.audience,
    sub,
    iat,
    exp: iat + options.ttlSeconds,
    jti: options.jti ?? randomBytes(16).toString('base64url'),
  };
  if (target !== undefined) {
    const claimTarget: TokenTarget = { namespace: target.namespace, pod: target.pod };
    if (target.container !== undefined) claimTarget.container = target.container;
    if (target.command !== undefined) claimTarget.command = [...target.command];
    payload['target'] = claimTarget;
  } else payload['observe'] = observe;
  return jwt.sign(payload, sign, { algorithm: key.alg as jwt.Algorithm, keyid: key.kid });
}

/**
 * Parses a duration such as `30s`, `10m`, `1h` (a bare number is seconds) into seconds, bounded to
 * MIN_TTL_SECONDS..MAX_TTL_SECONDS. `name` is used in the error message (e.g. `--ttl`).
 */
export function parseTtl(value: string, name = 'ttl'): number {
  const m = /^(\d{1,7})([smh]?)$/.exec(value.trim());
  const rule = `${name} must be a duration like 30s, 10m or 1h, from ${MIN_TTL_SECONDS}s to ${MAX_TTL_SECONDS / 3600}h`;
  if (!m) throw new ConfigError(`${rule}, got ${JSON.stringify(value)}`);
  const seconds = Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2]!]!;
  if (seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS)
    throw new ConfigError(`${rule}, got ${JSON.stringify(value)}`);
  return seconds;
}
