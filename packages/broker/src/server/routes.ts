import type { AuthFailureLimiter } from '../auth/auth-failure-limiter.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Authenticator } from '../auth/authorized-session.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import type { ResourceGauges } from '../session/resource-gauges.js';
import type { SessionManager } from '../session/session-manager.js';
import type { SessionStore } from '../store/session-store.js';
import type { TransferRegistry } from '../files/file-transfer.js';
import { guardResponse, isWritable, replyJson } from './http-reply.js';

/**
 * What route plug-ins (admin API, debug endpoints, demo routes) receive. They register handlers on a
 * `RouteApp`, never on the raw uWS app, so that every handler is wrapped: `onAborted` is registered
 * before it runs (see http-reply.ts), a thrown error or rejected promise is logged and answered
 * 500 when the response is still writable, and on the admin port the bearer check runs first.
 */
export interface RouteContext {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
  readonly gauges: ResourceGauges;
  readonly store: SessionStore;
  readonly sessions: SessionManager;
  readonly authenticator: Authenticator;
  /** Failed authentications per address and claimed tenant, shared by the upgrade and the tenant admin API. */
  readonly authFailures: AuthFailureLimiter;
  /** The live file transfers (`/v1/files`), listed by /debug/sessions. */
  readonly transfers?: TransferRegistry;
  isDraining(): boolean;
}

export type RouteHandler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

export interface RouteApp {
  get(pattern: string, handler: RouteHandler): RouteApp;
  post(pattern: string, handler: RouteHandler): RouteApp;
  put(pattern: string, handler: RouteHandler): RouteApp;
  patch(pattern: string, handler: RouteHandler): RouteApp;
  del(pattern: string, handler: RouteHandler): RouteApp;
  any(pattern: string, handler: RouteHandler): RouteApp;
}

/** A plug-in that adds routes: `registerAdminRoutes`, `registerDebugRoutes`, `registerDemoRoutes`. */
export type RouteRegistrar = (app: RouteApp, ctx: RouteContext) => void;

/**
 * Runs before a handler with the request still valid; returns false after answering the request
 * itself (e.g. 401). Must be synchronous: it reads headers.
 */
export type RouteGuard = (res: HttpResponse, req: HttpRequest) => boolean;

/** Wraps one handler so no exception reaches uWS and every response is abort-tracked. */
export function safeHandler(handler: RouteHandler, logger: Logger, guard?: RouteGuard): RouteHandler {
  return (res, req) => {
    try {
      guardResponse(res);
      if (guard !== undefined && !guard(res, req)) return;
      const out = handler(res, req);
      if (out instanceof Promise) {
        out.catch((err: unknown) => {
          logger.error('http.handler_failed', { err });
          if (isWritable(res)) replyJson(res, 500, { error: 'internal error' });
        });
      }
    } catch (err) {
      logger.error('http.handler_failed', { err });
      if (isWritable(res)) replyJson(res, 500, { error: 'internal error' });
    }
  };
}

/** A RouteApp over a uWS app that wraps every handler with `safeHandler` (and the guard, if any). */
export function routeApp(app: TemplatedApp, logger: Logger, guard?: RouteGuard): RouteApp {
  const wrap =
    (method: 'get' | 'post' | 'put' | 'patch' | 'del' | 'any') =>
    (pattern: string, handler: RouteHandler): RouteApp => {
      app[method](pattern, safeHandler(handler, logger, guard));
      return self;
    };
  const self: RouteApp = {
    get: wrap('get'),
    post: wrap('post'),
    put: wrap('put'),
    patch: wrap('patch'),
    del: wrap('del'),
    any: wrap('any'),
  };
  return self;
}
