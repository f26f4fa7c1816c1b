/** Which cap refused an upgrade before its token was verified. */
export type ThrottleScope = 'ip' | 'tenant';

export interface AuthFailureLimits {
  /** AUTH_FAILURES_PER_MINUTE_PER_IP (0 = off). */
  perIp: number;
  /** AUTH_FAILURES_PER_MINUTE_PER_TENANT (0 = off). */
  perTenant: number;
}

/** Most keys kept per scope; past it the oldest key is forgotten (a flood of addresses cannot grow memory). */
const MAX_KEYS = 10_000;
const WINDOW_MS = 60_000;

/**
 * One fixed window per key: the failures counted since `since`. A key's window restarts when a
 * minute has passed; a `Map` keeps insertion order, so the oldest key is the first one.
 */
class FailureWindows {
  private readonly windows = new Map<string, { since: number; count: number }>();

  count(key: string, now: number): number {
    const w = this.windows.get(key);
    if (w === undefined) return 0;
    if (now - w.since >= WINDOW_MS) {
      this.windows.delete(key);
      return 0;
    }
    return w.count;
  }

  add(key: string, now: number): void {
    const w = this.windows.get(key);
    if (w !== undefined && now - w.since < WINDOW_MS) {
      w.count += 1;
      return;
    }
    this.windows.delete(key);
    if (this.windows.size >= MAX_KEYS) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(key, { since: now, count: 1 });
  }

  get size(): number {
    return this.windows.size;
  }
}

/**
 * Failed authentications per source address and per claimed tenant (threat 15). A token that fails
 * verification (4401) counts against the client IP and, when its unverified `iss` names a known
 * tenant, against that tenant. Once a key reached its cap for the current minute, further upgrades
 * from it are refused (4429) BEFORE any signature is checked, so a forged-token flood costs a map
 * lookup per attempt. Per replica and in memory: it protects this replica's CPU, which is what the
 * flood attacks; the counts need no coordination. A tenant whose key is under attack sees its own
 * users refused while the flood lasts — the price of not verifying; the per-IP cap comes first so
 * only a distributed flood reaches it.
 */
export class AuthFailureLimiter {
  private readonly ips = new FailureWindows();
  private readonly tenants = new FailureWindows();

  constructor(
    private readonly limits: AuthFailureLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cap this upgrade is already over, or null: check before verifying. */
  throttled(ip: string, tenant: string | null): ThrottleScope | null {
    const now = this.now();
    if (this.limits.perIp > 0 && this.ips.count(ip, now) >= this.limits.perIp) return 'ip';
    if (tenant !== null && this.limits.perTenant > 0 && this.tenants.count(tenant, now) >= this.limits.perTenant)
      return 'tenant';
    return null;
  }

  /** A token failed verification (4401). */
  failed(ip: string, tenant: string | null): void {
    const now = this.now();
    if (this.limits.perIp > 0) this.ips.add(ip, now);
    if (tenant !== null && this.limits.perTenant > 0) this.tenants.add(tenant, now);
  }

  /** Keys held (debug and tests): bounded by MAX_KEYS per scope. */
  get keys(): number {
    return this.ips.size + this.tenants.size;
  }
}

/**
 * The issuer a token claims, read WITHOUT trusting it (only to pick a rate-limit bucket); null when
 * the token is not a JWS with a string `iss`. Never throws.
 */
export function claimedIssuer(token: string | null, maxLength: number): string | null {
  if (token === null || token.length > maxLength) return null;
  const dot = token.indexOf('.');
  const end = token.indexOf('.', dot + 1);
  if (dot < 0 || end < 0) return null;
  try {
    const payload = JSON.parse(Buffer.from(token.slice(dot + 1, end), 'base64url').toString('utf8')) as unknown;
    const iss =
      typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)['iss'] : undefined;
    return typeof iss === 'string' ? iss : null;
  } catch {
    return null;
  }
}
