import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { adminTokenMatches } from '../admin/admin-auth.js';
import { adminApiRoute } from './admin-api-route.js';
import { replyJson, replyText } from './http-reply.js';
import { storeNote } from './public-server.js';
import { redactDeep } from '../log/redact.js';
import { routeApp, type RouteContext, type RouteRegistrar } from './routes.js';

export interface AdminPlugins {
  /** Debug endpoints (/debug/sessions, /debug/resources, /debug/pprof/*); the built-in minimal ones when absent. */
  debugRoutes?: RouteRegistrar;
  /** Extra admin routes; registered after the built-in /admin/* API. */
  adminRoutes?: RouteRegistrar;
}

/**
 * The admin port: every route requires `Authorization: Bearer <ADMIN_TOKEN>` (constant-time compare)
 * and is registered through a guarded RouteApp, so no plug-in can add an unauthenticated route.
 *   GET /metrics                      prom-client registry (broker metrics + Node process metrics)
 *   GET /readyz                       the public /readyz plus this replica's live session count
 *   GET /debug/…                      diagnostics (plug-in from src/debug/, else built-in minimal)
 *   *   /admin/sessions…, /admin/revoke   the cluster-wide admin API (src/admin/admin-api.ts)
 */
export function buildAdminApp(app: TemplatedApp, ctx: RouteContext, plugins: AdminPlugins): void {
  const guard = (res: HttpResponse, req: HttpRequest): boolean => {
    if (adminTokenMatches(req.getHeader('authorization'), ctx.config.adminToken)) return true;
    replyJson(
      res,
      401,
      { error: 'PS_ERR_ADMIN_UNAUTHORIZED', message: 'admin endpoints need Authorization: Bearer <ADMIN_TOKEN>' },
      { 'www-authenticate': 'Bearer' },
    );
    return false;
  };
  const routes = routeApp(app, ctx.logger, guard);

  routes.get('/metrics', async (res) => {
    const text = await ctx.metrics.registry.metrics();
    replyText(res, 200, text, { 'content-type': ctx.metrics.registry.contentType });
  });

  // The public /readyz without the session count; operators see how busy this replica is here.
  routes.get('/readyz', (res) => {
    const store = { kind: ctx.store.kind, up: ctx.store.isUp(), note: storeNote(ctx.store.kind) };
    const ready = !ctx.isDraining() && store.up;
    replyJson(res, ready ? 200 : 503, { ready, draining: ctx.isDraining(), store, sessions: ctx.sessions.size });
  });

  if (plugins.debugRoutes !== undefined) plugins.debugRoutes(routes, ctx);
  else registerMinimalDebugRoutes(routes, ctx);

  // Behind the guard above: the operator, across tenants.
  const adminApi = adminApiRoute(ctx, '', () => ({}));
  routes.any('/admin/*', adminApi);
  routes.any('/admin/sessions', adminApi);
  routes.any('/admin/revoke', adminApi);
  routes.any('/admin/locks', adminApi);

  if (plugins.adminRoutes !== undefined) plugins.adminRoutes(routes, ctx);

  routes.any('/*', (res, req) => {
    replyJson(res, 404, {
      error: 'PS_ERR_NOT_FOUND',
      message: `no admin route ${req.getMethod().toUpperCase()} ${req.getUrl()}`,
    });
  });
}

/** Built-in /debug/sessions and /debug/resources, used when no debug plug-in is supplied. */
function registerMinimalDebugRoutes(routes: ReturnType<typeof routeApp>, ctx: RouteContext): void {
  routes.get('/debug/sessions', (res) => {
    // Client-supplied text (a forwarded client IP) may carry token fragments: redacted like every debug page.
    replyJson(res, 200, redactDeep({ sessions: ctx.sessions.list().map((s) => s.info()) }));
  });
  routes.get('/debug/resources', (res) => {
    const grouped: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) grouped[r] = (grouped[r] ?? 0) + 1;
    replyJson(res, 200, { liveSessions: ctx.sessions.size, gauges: ctx.gauges.snapshot(), activeResources: grouped });
  });
}
