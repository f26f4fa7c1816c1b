import type { TemplatedApp, WebSocketBehavior } from 'uWebSockets.js';
import type { Logger } from '../log/logger.js';
import type { ResourceGauges } from '../session/resource-gauges.js';
import type { ElementBundle } from './element-bundle.js';
import { registerElementRoutes } from './element-routes.js';
import { replyJson, replyText } from './http-reply.js';
import { routeApp, type RouteContext, type RouteRegistrar } from './routes.js';
import { sessionSocketBehavior } from './session-socket.js';
import type { SocketData } from './upgrade-handler.js';
import type { Uws } from './uws.js';

/** The note /readyz and the startup log give for each store kind. */
export function storeNote(kind: 'memory' | 'redis'): string {
  return kind === 'memory' ? 'memory store: single replica' : 'redis store: shared registry';
}

/**
 * The public port: the WebSocket session endpoint (SESSION_PATH), `/healthz` (200 while the process
 * runs), `/readyz` (503 while draining or while the session store does not answer; the body names the
 * store kind), the <pod-shell> element (element-routes.ts), demo routes when DEMO_MODE is on, and
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
    replyJson(res, ready ? 200 : 503, { ready, draining, store, sessions: ctx.sessions.size });
  });
  registerElementRoutes(routes, element.bundle, element.allowedOrigins);
  if (ctx.config.demoMode && demoRoutes !== undefined) demoRoutes(routes, ctx);
  routes.any('/*', (res, req) => {
    replyJson(res, 404, { error: 'PS_ERR_NOT_FOUND', message: `no route ${req.getMethod().toUpperCase()} ${req.getUrl()}` });
  });
}
