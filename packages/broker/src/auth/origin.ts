import { AuthError, ErrorCode } from '../errors.js';
import type { Tenant } from '../tenants/tenant.js';

/**
 * Cross-site WebSocket hijacking defence (threat 1): the `Origin` header must equal, as a whole string,
 * one of the tenant's `allowedOrigins`. No prefix, suffix, regex or case folding — the loader already
 * required each allowed origin to be written canonically, exactly as browsers send it, so
 * `https://app.example.com.evil.test` can never match `https://app.example.com`.
 *
 * A request without `Origin` comes from a non-browser client (CLI, k6): browsers always send it on a
 * WebSocket upgrade. Such a client could forge any Origin anyway, so accepting it does not weaken the
 * defence; it is still opt-in per tenant (`allowMissingOrigin`, default false) so nothing is accepted
 * that the tenant did not declare.
 */
export function checkOrigin(tenant: Tenant, origin: string | null): void {
  if (origin === null || origin === '') {
    if (tenant.allowMissingOrigin === true) return;
    throw new AuthError(
      ErrorCode.ORIGIN_FORBIDDEN,
      'requests without an Origin header are not allowed for this tenant',
    );
  }
  if (!tenant.allowedOrigins.includes(origin)) {
    throw new AuthError(ErrorCode.ORIGIN_FORBIDDEN, 'this origin is not allowed for the tenant');
  }
}
