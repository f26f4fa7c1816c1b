import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { ElementBundle } from './element-bundle.js';
import { reply, replyJson } from './http-reply.js';
import type { RouteApp } from './routes.js';

/** A year: the versioned path never changes content. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The <pod-shell> element on every broker's public port (not only in demo mode), for third-party
 * pages to load with `<script type="module" src=… integrity=… crossorigin>`:
 * - `GET /v1/pod-shell.<hash>.js`: the bundle, cached for a year (`immutable`); another hash is 404.
 * - `GET /pod-shell.js`: 302 to the versioned path, `no-cache`, so pages that name the plain path
 *   pick up a new version on the next load.
 * Module scripts are fetched with CORS, so both answer `Access-Control-Allow-Origin` with the
 * request's Origin when any tenant lists it in `allowedOrigins` (`Vary: Origin`); other origins get
 * no CORS header and the browser refuses the script.
 */
export function registerElementRoutes(
  routes: RouteApp,
  bundle: ElementBundle | undefined,
  allowedOrigins: () => ReadonlySet<string>,
): void {
  const cors = (req: HttpRequest): Record<string, string> => {
    const origin = req.getHeader('origin');
    return origin !== '' && allowedOrigins().has(origin)
      ? { 'access-control-allow-origin': origin, vary: 'origin' }
      : { vary: 'origin' };
  };
  const missing = (res: HttpResponse): void =>
    replyJson(res, 404, {
      error: 'PS_ERR_NOT_FOUND',
      message: 'this broker has no element bundle: build packages/element (npm run build) or use the image',
    });

  routes.get('/pod-shell.js', (res, req) => {
    if (bundle === undefined) return missing(res);
    reply(res, 302, '', { location: bundle.path, 'cache-control': 'no-cache', ...cors(req) });
  });
  routes.get('/v1/:file', (res, req) => {
    if (bundle === undefined) return missing(res);
    if (req.getParameter(0) !== bundle.path.slice('/v1/'.length)) {
      return replyJson(res, 404, {
        error: 'PS_ERR_NOT_FOUND',
        message: `no element bundle ${req.getUrl()}; this broker serves ${bundle.path}`,
      });
    }
    reply(res, 200, bundle.body, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': IMMUTABLE,
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'cross-origin',
      ...cors(req),
    });
  });
}
