import type { TemplatedApp, WebSocketBehavior } from 'uWebSockets.js';
import type { Logger } from '../log/logger.js';
import type { ResourceGauges } from '../session/resource-gauges.js';
import { adminApiRoute, tenantAdminAuthorizer } from './admin-api-route.js';
import type { ElementBundle } from './element-bundle.js';
import { registerElementRoutes } from './element-routes.js';
import { replyJson, replyText } from './http-reply.js';
import { routeApp, type RouteContext, type RouteRegistrar } from './routes.js';
import { sessionSocketBehavior } from './session-socket.js';
import type { SocketData } from './upgrade-handler.js';
import type { Uws } from './uws.js';

/** Where the public port serves the tenant admin API: `/v1/admin/sessions`, `/v1/admin/locks`, … */
export const TENANT_ADMIN_PREFIX = '/v1';

/** The note /readyz and the startup log give for each store kind. */
export function storeNote(kind: 'memory' | 'redis'): string {
  return kind === 'memory' ? 'memory store: single replica' : 'redis store: shared registry';
}

/**
 * The public port: the WebSocket session endpoint (SESSION_PATH), `/healthz` (200 while the process
 * runs), `/readyz` (503 while draining or while the session store does not answer; the body names the
 * store kind, never the session count), the tenant admin API under `/v1/admin/…` (tenant admin
 * tokens only), the <pod-shell> element (element-routes.ts), demo routes when DEMO_MODE is on, and
 * 404 for anything else.
 */
export function buildPublicApp(
  uws: Uws,
  app: TemplatedApp,
  ctx: RouteContext,
  gauges: ResourceGauges,
  upgrade: WebSocketBehavior<SocketData>['upgrade'],
  demoRoutes: RouteRegistrar | undefined,
  logger: Logger,
  element: { bundle: ElementBundle | undefined; allowedOrigins: () => ReadonlySet<string> },
): void {
  app.ws<SocketData>(ctx.config.sessionPath, sessionSocketBehavior(uws, ctx.config, logger, gauges, upgrade));
  const routes = routeApp(app, logger);
  routes.get('/healthz', (res) => replyText(res, 200, 'ok\n'));
  routes.get('/readyz', (res) => {
    const store = { kind: ctx.store.kind, up: ctx.store.isUp(), note: storeNote(ctx.store.kind) };
    const draining = ctx.isDraining();
    const ready = !draining && store.up;
    // No session count here: the public port does not tell strangers how busy a replica is (the admin port's /readyz does).
    replyJson(res, ready ? 200 : 503, { ready, draining, store });
  });
  // The tenant admin API: a tenant's backend, with its own short-lived admin token (never ADMIN_TOKEN).
  const tenantAdmin = adminApiRoute(ctx, TENANT_ADMIN_PREFIX, tenantAdminAuthorizer(ctx));
  routes.any(`${TENANT_ADMIN_PREFIX}/admin/*`, tenantAdmin);
  for (const p of ['/admin/sessions', '/admin/revoke', '/admin/locks'])
    routes.any(TENANT_ADMIN_PREFIX + p, tenantAdmin);
  registerElementRoutes(routes, element.bundle, element.allowedOrigins);
  if (ctx.config.demoMode && demoRoutes !== undefined) demoRoutes(routes, ctx);
  routes.any('/*', (res, req) => {
    replyJson(res, 404, {
      error: 'PS_ERR_NOT_FOUND',
      message: `no route ${req.getMethod().toUpperCase()} ${req.getUrl()}`,
    });
  });
}
