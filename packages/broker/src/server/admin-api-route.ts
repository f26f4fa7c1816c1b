import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { handleAdminRequest, isAdminApiPath, type AdminContext } from '../admin/admin-api.js';
import { ErrorCode, toPodShellError } from '../errors.js';
import { clientIp, normalizeIp } from './upgrade-request.js';
import { arrayBufferToText } from './uws.js';
import { readBody } from './http-body.js';
import { isAborted, replyJson } from './http-reply.js';
import type { RouteContext, RouteHandler } from './routes.js';

/** The largest admin API request body accepted. */
const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/** Who a request acts as: the operator (no tenant: every tenant) or one tenant's admin. */
export type AdminScope = Pick<AdminContext, 'tenant' | 'actor'>;

/**
 * The admin API (admin/admin-api.ts) as a uWS route. `prefix` is stripped from the URL (`/v1` on the
 * public port). `authorize` runs synchronously while the request is valid: it returns the scope, or
 * null after answering the request itself (401).
 */
export function adminApiRoute(
  ctx: RouteContext,
  prefix: string,
  authorize: (res: HttpResponse, req: HttpRequest) => AdminScope | null,
): RouteHandler {
  return (res, req) => {
    const method = req.getMethod().toUpperCase();
    const path = req.getUrl().slice(prefix.length);
    const query = req.getQuery() ?? '';
    if (!isAdminApiPath(path)) {
      replyJson(res, 404, { error: 'PS_ERR_NOT_FOUND', message: `no admin route ${req.getUrl()}` });
      return;
    }
    const scope = authorize(res, req);
    if (scope === null) return;
    const bodyPromise = method === 'GET' ? Promise.resolve(Buffer.alloc(0)) : readBody(res, MAX_ADMIN_BODY_BYTES);
    return (async () => {
      const body = await bodyPromise;
      if (isAborted(res)) return;
      if (body === null) {
        replyJson(res, 413, {
          error: 'PS_ERR_BAD_REQUEST',
          message: `request body larger than ${MAX_ADMIN_BODY_BYTES} bytes`,
        });
        return;
      }
      const logger =
        scope.tenant === undefined ? ctx.logger : ctx.logger.child({ adminTenant: scope.tenant, actor: scope.actor });
      const out = await handleAdminRequest(
        { method, path, query, body: body.toString('utf8') },
        { store: ctx.store, logger, ...scope },
      );
      replyJson(res, out.status, out.body);
    })();
  };
}

/**
 * The public port's authorization for the tenant admin API: `Authorization: Bearer <tenant admin
 * JWT>` only. The operator's ADMIN_TOKEN is never accepted here (it stays on the internal port).
 */
export function tenantAdminAuthorizer(ctx: RouteContext): (res: HttpResponse, req: HttpRequest) => AdminScope | null {
  return (res, req) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.getHeader('authorization'));
    const ip = clientIp(
      (name) => req.getHeader(name),
      normalizeIp(arrayBufferToText(res.getRemoteAddressAsText())),
      ctx.config.trustProxy,
    );
    const claimed = ctx.authenticator.claimedTenant(m?.[1] ?? null);
    // The same caps as the WebSocket upgrade (threat 15): past one, refused before any signature check.
    const throttled = ctx.authFailures.throttled(ip, claimed);
    if (throttled !== null) {
      ctx.metrics.authThrottled.inc({ scope: throttled });
      replyJson(res, 429, {
        error: ErrorCode.AUTH_RATE_LIMITED,
        message: 'Too many failed authentications; try again in a minute.',
      });
      return null;
    }
    try {
      if (!m) throw new Error('no bearer token');
      const admin = ctx.authenticator.verifyTenantAdmin(m[1]!);
      return { tenant: admin.tenant, actor: admin.subject };
    } catch (err) {
      const e = toPodShellError(err);
      ctx.authFailures.failed(ip, claimed);
      ctx.metrics.authFailures.inc({ reason: 'admin_token_invalid' });
      ctx.logger.info('admin.refused', { reason: e.reason, message: m ? e.message : 'no bearer token' });
      replyJson(
        res,
        401,
        {
          error: 'PS_ERR_ADMIN_UNAUTHORIZED',
          message: 'The tenant admin API needs Authorization: Bearer <tenant admin token> (docs/admin-api.md).',
        },
        { 'www-authenticate': 'Bearer' },
      );
      return null;
    }
  };
}
