import jwt from 'jsonwebtoken';
import { AuthError, ErrorCode } from '../errors.js';
import type { TenantLookup } from '../tenants/tenant-registry.js';
import type { Tenant, TenantKey } from '../tenants/tenant.js';
import { keyObjectsFor } from '../tenants/tenant-keys.js';
import { parseTarget, type TokenTarget } from './target-policy.js';

/**
 * JWT verification (threats 3–7). Order of trust:
 * 1. decode header and payload WITHOUT trusting them, only to pick the tenant (`iss`) and key (`kid`);
 * 2. `kid` is only ever compared for equality against the tenant's own key list — never a path,
 *    URL or index; no `kid` is accepted only when the tenant has exactly one key;
 * 3. `jku`, `x5u`, `jwk`, `x5c` are ignored: nothing is ever fetched or taken from the token's header;
 * 4. jsonwebtoken verifies with `algorithms: [key.alg]` (pinned per key, never from the header),
 *    the tenant's audience and issuer, the clock tolerance and the max token age; insecure-key
 *    options are never passed;
 * 5. `exp`, `iat`, `iss`, `aud`, `sub` and `target` are required.
 * Errors never contain the token.
 */

/** Largest token accepted; anything longer is refused before decoding. */
export const MAX_TOKEN_LENGTH = 8192;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// The subject ends up in Impersonate-User and logs: printable ASCII, no surrounding spaces.
const SUBJECT = /^[\x21-\x7e]([\x20-\x7e]{0,254}[\x21-\x7e])?$/;
const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'iat', 'exp'] as const;
/** A session id as the broker writes them (128 random bits, base64url): what an observer token's `observe` names. */
const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** A session token names a `target` (it opens a shell); an observer token names a session (`observe`) and no target. */
export type TokenKind = 'session' | 'observe';

export interface TokenClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  nbf?: number;
  jti?: string;
  target: TokenTarget;
}

export interface VerifyOptions {
  /** 0..60 seconds. */
  clockToleranceSeconds: number;
  maxTokenAgeSeconds: number;
  /** Current time in epoch ms. */
  nowMs: number;
}

export interface IdentifiedToken {
  tenant: Tenant;
  key: TenantKey;
}

export interface VerifiedToken extends IdentifiedToken {
  claims: TokenClaims;
  /** When the credential stops being valid, epoch ms: min(exp, iat + max token age). */
  validUntilMs: number;
}

function invalid(message: string, cause?: unknown): AuthError {
  return new AuthError(ErrorCode.TOKEN_INVALID, message, cause === undefined ? undefined : { cause });
}

function decodePart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw invalid(`token ${what} is not base64url JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(`token ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Steps 1–2: finds the tenant (by `iss`) and key (by `kid`) from the untrusted header and payload.
 * Nothing here is trusted yet; it only decides which pinned key will check the signature.
 */
export function identifyToken(token: string, tenants: TenantLookup): IdentifiedToken {
  if (token.length > MAX_TOKEN_LENGTH) throw invalid(`token is longer than ${MAX_TOKEN_LENGTH} characters`);
  if (!TOKEN_SHAPE.test(token)) throw invalid('token is not a compact JWS (header.payload.signature)');
  const [h, p, sig] = token.split('.') as [string, string, string];
  if (sig.length === 0) throw invalid('unsigned tokens are refused');
  const header = decodePart(h, 'header');
  const payload = decodePart(p, 'payload');
  if (typeof header['alg'] !== 'string' || header['alg'].toLowerCase() === 'none')
    throw invalid('token algorithm "none" or a missing alg is refused');
  // RFC 7515 §4.1.11: a critical extension we do not understand makes the token unusable.
  if (header['crit'] !== undefined) throw invalid('token header "crit" extensions are not supported');
  const iss = payload['iss'];
  if (typeof iss !== 'string' || iss.length === 0) throw invalid('token lacks the required claim "iss"');
  const tenant = tenants.byIssuer(iss);
  if (!tenant) throw invalid('token issuer is not a known tenant');
  const kid = header['kid'];
  let key: TenantKey | undefined;
  if (kid === undefined) {
    if (tenant.keys.length !== 1) throw invalid('token has no "kid" and the tenant has several keys');
    key = tenant.keys[0];
  } else {
    if (typeof kid !== 'string') throw invalid('token "kid" must be a string');
    // Equality lookup only: a kid like "../../dev/null" or a URL simply matches nothing.
    key = tenant.keys.find((k) => k.kid === kid);
    if (!key) throw invalid('token "kid" names no key of this tenant');
  }
  if (!key) throw invalid('token key not found');
  if (header['alg'] !== key.alg) throw invalid(`token algorithm does not match the key's pinned algorithm`);
  return { tenant, key };
}

function mapJwtError(err: unknown): AuthError {
  if (err instanceof jwt.TokenExpiredError) {
    return new AuthError(
      ErrorCode.TOKEN_EXPIRED,
      err.message === 'maxAge exceeded' ? 'token is older than the maximum token age' : 'token has expired',
      { cause: err },
    );
  }
  if (err instanceof jwt.NotBeforeError) return invalid('token is not valid yet (nbf is in the future)', err);
  const msg = err instanceof Error ? err.message : '';
  if (msg === 'invalid signature') return invalid('token signature is invalid', err);
  if (msg === 'invalid algorithm') return invalid("token algorithm does not match the key's pinned algorithm", err);
  if (msg.startsWith('jwt audience invalid')) return invalid("token audience is not the tenant's audience", err);
  if (msg.startsWith('jwt issuer invalid')) return invalid("token issuer is not the tenant's issuer", err);
  if (msg === 'jwt signature is required') return invalid('unsigned tokens are refused', err);
  return invalid('token is invalid', err);
}

function checkClaimShapes(payload: Record<string, unknown>, opts: VerifyOptions, kind: TokenKind): void {
  for (const claim of [...REQUIRED_CLAIMS, kind === 'session' ? 'target' : 'observe']) {
    if (payload[claim] === undefined || payload[claim] === null)
      throw invalid(`token lacks the required claim "${claim}"`);
  }
  // One token, one use: an observer token never opens a shell, a session token never watches one.
  if (kind === 'session' && payload['observe'] !== undefined)
    throw invalid('an observer token (claim "observe") cannot open a shell');
  if (kind === 'observe') {
    if (payload['target'] !== undefined) throw invalid('an observer token must not carry a "target" claim');
    if (typeof payload['observe'] !== 'string' || !SESSION_ID.test(payload['observe']))
      throw invalid('token claim "observe" must be a session id');
  }
  for (const claim of ['iat', 'exp', 'nbf'] as const) {
    const v = payload[claim];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
      throw invalid(`token claim "${claim}" must be a number of seconds`);
  }
  if (typeof payload['sub'] !== 'string' || !SUBJECT.test(payload['sub'])) {
    throw invalid('token subject must be 1..256 printable ASCII characters without surrounding spaces');
  }
  if (payload['jti'] !== undefined && typeof payload['jti'] !== 'string')
    throw invalid('token claim "jti" must be a string');
  // A tenant admin token (tenant-admin-token.ts) never opens a shell, whatever its audience says.
  if (payload['scope'] === 'admin') throw invalid('an admin-scoped token cannot open a shell');
  const nowSec = opts.nowMs / 1000;
  if ((payload['iat'] as number) > nowSec + opts.clockToleranceSeconds)
    throw invalid('token was issued in the future (iat)');
}

/** Steps 3–5 for a token whose tenant and key were identified: the verified payload and its end of validity. */
function verifySigned(
  token: string,
  id: IdentifiedToken,
  opts: VerifyOptions,
  kind: TokenKind,
): { payload: Record<string, unknown>; validUntilMs: number } {
  const tolerance = Math.min(Math.max(opts.clockToleranceSeconds, 0), 60);
  let payload: Record<string, unknown>;
  try {
    const verified = jwt.verify(token, keyObjectsFor(id.key).verify, {
      algorithms: [id.key.alg as jwt.Algorithm],
      audience: id.tenant.audience,
      issuer: id.tenant.issuer,
      clockTolerance: tolerance,
      clockTimestamp: Math.floor(opts.nowMs / 1000),
      // maxAge is checked below with the shape check (jsonwebtoken's needs iat first).
    });
    if (typeof verified === 'string') throw invalid('token payload is not a JSON object');
    payload = verified;
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw mapJwtError(err);
  }
  checkClaimShapes(payload, { ...opts, clockToleranceSeconds: tolerance }, kind);
  const iat = payload['iat'] as number;
  const exp = payload['exp'] as number;
  const nowSec = opts.nowMs / 1000;
  if (nowSec >= exp + tolerance) throw new AuthError(ErrorCode.TOKEN_EXPIRED, 'token has expired');
  if (nowSec >= iat + opts.maxTokenAgeSeconds + tolerance)
    throw new AuthError(ErrorCode.TOKEN_EXPIRED, 'token is older than the maximum token age');
  return { payload, validUntilMs: Math.min(exp, iat + opts.maxTokenAgeSeconds) * 1000 };
}

/** Steps 3–5 for a session token whose tenant and key were identified. */
export function verifyIdentified(token: string, id: IdentifiedToken, opts: VerifyOptions): VerifiedToken {
  const { payload, validUntilMs } = verifySigned(token, id, opts, 'session');
  const iat = payload['iat'] as number;
  const exp = payload['exp'] as number;
  const claims: TokenClaims = {
    iss: payload['iss'] as string,
    aud: payload['aud'] as string | string[],
    sub: payload['sub'] as string,
    iat,
    exp,
    target: parseTarget(payload['target']),
  };
  if (typeof payload['nbf'] === 'number') claims.nbf = payload['nbf'];
  if (typeof payload['jti'] === 'string') claims.jti = payload['jti'];
  return { ...id, claims, validUntilMs };
}

/** A verified observer token: who watches (`sub`) which session (`observe`), until when. */
export interface VerifiedObserverToken extends IdentifiedToken {
  subject: string;
  sessionId: string;
  validUntilMs: number;
}

/** Steps 3–5 for an observer token (claim `observe`, no `target`) whose tenant and key were identified. */
export function verifyObserverIdentified(
  token: string,
  id: IdentifiedToken,
  opts: VerifyOptions,
): VerifiedObserverToken {
  const { payload, validUntilMs } = verifySigned(token, id, opts, 'observe');
  return { ...id, subject: payload['sub'] as string, sessionId: payload['observe'] as string, validUntilMs };
}

/** Identifies and verifies in one step. */
export function verifyToken(token: string, tenants: TenantLookup, opts: VerifyOptions): VerifiedToken {
  return verifyIdentified(token, identifyToken(token, tenants), opts);
}
