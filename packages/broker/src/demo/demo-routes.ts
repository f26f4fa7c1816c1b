import type { KubeConfig } from '@kubernetes/client-node';
import type { HttpResponse } from 'uWebSockets.js';
import { mintToken } from '../auth/token-mint.js';
import { ErrorCode } from '../errors.js';
import { loadKubeConfig } from '../kube/kube-clusters.js';
import { readBody } from '../server/http-body.js';
import { reply, replyJson } from '../server/http-reply.js';
import type { RouteApp, RouteContext, RouteRegistrar } from '../server/routes.js';
import type { TenantLookup } from '../tenants/tenant-registry.js';
import { staticTenants } from '../tenants/tenant-registry.js';
import type { Tenant } from '../tenants/tenant.js';
import { loadTenantsFile } from '../tenants/tenants-file.js';
import { DEMO_APP_JS, DEMO_CSP, DEMO_CSS, DEMO_HTML } from './demo-page.js';
import { DemoPodCache, listDemoPods, type DemoPod } from './demo-pods.js';
import { TokenBucket } from './demo-rate-limit.js';

export interface DemoRouteOptions {
  /** The only tenant the demo mints tokens for. Default `demo` (examples/tenants.demo.yaml). */
  tenantName?: string;
  /** Tenant lookup (the broker's hot-reloaded registry); default: TENANTS_FILE, re-read at most every 5 s. */
  tenants?: TenantLookup;
  /** Credentials used to list pods; default loaded from KUBECONFIG like the broker's own. */
  kubeConfig?: KubeConfig;
  /** Lifetime of a demo token. Default 300 s: short, the page refreshes it in-band. */
  tokenTtlSeconds?: number;
  /** Tokens the endpoint issues per minute in total (bursts of the same size). Default 30. */
  tokensPerMinute?: number;
  /** The `sub` of demo tokens. */
  subject?: string;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'content-security-policy': DEMO_CSP,
};

/** Largest `POST /demo/token` body: three short names. */
const MAX_TOKEN_REQUEST_BYTES = 1024;

function tenantLookupFromFile(file: string): TenantLookup {
  let cached: { at: number; lookup: TenantLookup } | undefined;
  const current = (): TenantLookup => {
    if (!cached || Date.now() - cached.at > 5000)
      cached = { at: Date.now(), lookup: staticTenants(loadTenantsFile(file)) };
    return cached.lookup;
  };
  return { byIssuer: (iss) => current().byIssuer(iss), get: (name) => current().get(name) };
}

function demoError(code: string, message: string): { error: string; message: string } {
  return { error: code, message };
}

/** Parses `{"namespace","pod","container"}`; null when malformed. */
function parseTarget(body: Buffer): { namespace: string; pod: string; container: string } | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { namespace, pod, container } = value as Record<string, unknown>;
  if (typeof namespace !== 'string' || typeof pod !== 'string' || typeof container !== 'string') return null;
  return { namespace, pod, container };
}

/**
 * The demo routes, served on the public port only when DEMO_MODE is on:
 * - `GET /` the demo page, `GET /demo/app.js|app.css` its script and style (the element itself: element-routes.ts);
 * - `GET /demo/pods` the pods the demo tenant may open;
 * - `POST /demo/token` mints a short-lived token for one of those pods.
 *
 * The token endpoint is a token printer, so it is fenced in: only the demo tenant; only a pod and
 * container on the current pod list; only from one of the tenant's allowed origins with a JSON body
 * (a cross-site form post cannot send either); a short TTL; a global rate limit.
 */
export function createDemoRoutes(options: DemoRouteOptions = {}): RouteRegistrar {
  return (app: RouteApp, ctx: RouteContext): void => {
    const tenantName = options.tenantName ?? 'demo';
    const tenants = options.tenants ?? tenantLookupFromFile(ctx.config.tenantsFile);
    const ttlSeconds = options.tokenTtlSeconds ?? 300;
    const subject = options.subject ?? 'demo-visitor';
    const bucket = new TokenBucket(options.tokensPerMinute ?? 30, options.tokensPerMinute ?? 30);
    let kubeConfig = options.kubeConfig;
    const tenant = (): Tenant | undefined => tenants.get(tenantName);
    const pods = new DemoPodCache(async () => {
      const t = tenant();
      if (!t) throw new Error(`the tenants file has no tenant named "${tenantName}"`);
      kubeConfig ??= loadKubeConfig(ctx.config.kubeconfig);
      return listDemoPods(kubeConfig, t);
    });
    ctx.logger.warn('demo.enabled', {
      note: 'DEMO_MODE is on: GET / and POST /demo/token are served; never enable it in production',
      tenant: tenantName,
    });

    const page = (body: string, type: string) => (res: HttpResponse) =>
      reply(res, 200, body, { 'content-type': type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
    app.get('/', page(DEMO_HTML, 'text/html; charset=utf-8'));
    app.get('/demo/app.js', page(DEMO_APP_JS, 'text/javascript; charset=utf-8'));
    app.get('/demo/app.css', page(DEMO_CSS, 'text/css; charset=utf-8'));

    app.get('/demo/pods', async (res) => {
      try {
        replyJson(res, 200, { pods: await pods.get() });
      } catch (err) {
        ctx.logger.warn('demo.pods_failed', { err });
        replyJson(res, 502, demoError(ErrorCode.KUBE_UPSTREAM, `could not list pods: ${(err as Error).message}`));
      }
    });

    app.post('/demo/token', async (res, req) => {
      // Headers and the body stream must be taken before the first await (uWS invalidates req).
      const origin = req.getHeader('origin');
      const contentType = req.getHeader('content-type');
      const bodyPromise = readBody(res, MAX_TOKEN_REQUEST_BYTES);
      // Answer only once the whole request is in: uWS must not see request bytes after the reply.
      const body = await bodyPromise;
      const t = tenant();
      if (!t) {
        replyJson(
          res,
          500,
          demoError(ErrorCode.CONFIG_INVALID, `the tenants file has no tenant named "${tenantName}"`),
        );
        return;
      }
      if (!t.allowedOrigins.includes(origin)) {
        replyJson(
          res,
          403,
          demoError(ErrorCode.ORIGIN_FORBIDDEN, 'demo tokens are only issued to the demo page (Origin not allowed)'),
        );
        return;
      }
      if (!/^application\/json\s*(;|$)/i.test(contentType)) {
        replyJson(res, 415, demoError(ErrorCode.BAD_REQUEST, 'send the target as application/json'));
        return;
      }
      const target = body === null ? null : parseTarget(body);
      if (target === null) {
        replyJson(
          res,
          400,
          demoError(ErrorCode.BAD_REQUEST, 'expected {"namespace","pod","container"} (at most 1 KiB)'),
        );
        return;
      }
      let list: DemoPod[];
      try {
        list = await pods.get();
      } catch (err) {
        replyJson(res, 502, demoError(ErrorCode.KUBE_UPSTREAM, `could not list pods: ${(err as Error).message}`));
        return;
      }
      const pod = list.find((p) => p.namespace === target.namespace && p.pod === target.pod);
      if (!pod || !pod.containers.includes(target.container)) {
        replyJson(res, 403, demoError(ErrorCode.TARGET_FORBIDDEN, 'the demo only opens shells in the pods it lists'));
        return;
      }
      if (!bucket.take()) {
        replyJson(res, 429, demoError(ErrorCode.RATE_LIMITED, 'too many demo tokens: try again in a minute'), {
          'retry-after': '60',
        });
        return;
      }
      const token = mintToken({ tenant: t, sub: subject, target, ttlSeconds });
      ctx.logger.info('demo.token_minted', {
        tenant: t.name,
        namespace: target.namespace,
        pod: target.pod,
        container: target.container,
        ttlSeconds,
      });
      replyJson(res, 200, {
        token,
        expiresAt: Date.now() + ttlSeconds * 1000,
        target,
        sessionPath: ctx.config.sessionPath,
      });
    });
  };
}

/** The demo routes with their defaults (what the broker installs when DEMO_MODE is on). */
export const registerDemoRoutes: RouteRegistrar = (app, ctx) => createDemoRoutes()(app, ctx);
