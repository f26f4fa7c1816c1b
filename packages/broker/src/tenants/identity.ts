import type { TenantIdentity } from './tenant.js';

/** The Kubernetes identity a session impersonates, with `{sub}` replaced by the token's subject. */
export interface ResolvedIdentity {
  /** Unset = no impersonation (the broker's own credentials are used). */
  user?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/**
 * Substitutes `{sub}` in the tenant's identity template. The subject was already checked by the
 * verifier to be printable and free of control characters, so it is safe in `Impersonate-*` headers.
 */
export function resolveIdentity(identity: TenantIdentity, subject: string): ResolvedIdentity {
  const sub = (s: string): string => s.split('{sub}').join(subject);
  const out: ResolvedIdentity = {
    groups: identity.groups.map(sub),
    extra: Object.fromEntries(Object.entries(identity.extra).map(([k, v]) => [k, v.map(sub)])),
  };
  if (identity.user !== undefined) out.user = sub(identity.user);
  return out;
}
