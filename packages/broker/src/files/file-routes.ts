import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { AuthError, ErrorCode, PodShellError, toPodShellError } from '../errors.js';
import { impersonationHeaders } from '../kube/exec-request.js';
import type { KubeClusters } from '../kube/kube-clusters.js';
import { isAborted, onResponseAborted, replyJson, reply } from '../server/http-reply.js';
import type { RouteApp, RouteContext } from '../server/routes.js';
import { GENERIC_INVALID_TOKEN_MESSAGE } from '../server/upgrade-handler.js';
import { normalizeIp, readUpgradeRequest } from '../server/upgrade-request.js';
import { arrayBufferToText } from '../server/uws.js';
import { podTarget } from '../session/session-identity.js';
import { resolveIdentity } from '../tenants/identity.js';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter.js';
import type { AuthorizedSession } from '../auth/authorized-session.js';
import { lockMatches, type LockRecord } from '../store/session-store.js';
import { runDownload } from './download.js';
import { checkTransferAllowed } from './transfer-policy.js';
import type { FileTransfer, TransferDirection, TransferRegistry } from './file-transfer.js';
import { RequestBody } from './request-body.js';
import { uploadFileName, userPath } from './transfer-commands.js';
import type { TransferEnv } from './transfer-env.js';
import { runUpload, type UploadBody } from './upload.js';

/** The file transfer routes on the public port (docs/protocol.md "File transfer"). */
export const UPLOAD_PATH = '/v1/files/upload';
export const DOWNLOAD_PATH = '/v1/files/download';
export const TAR_CONTENT_TYPE = 'application/x-tar';
/** How much of a refused upload's body is read before answering (see RequestBody.discardThen). */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;

export interface FilesContext extends Pick<
  RouteContext,
  'config' | 'logger' | 'metrics' | 'authenticator' | 'authFailures' | 'isDraining' | 'store'
> {
  clusters: KubeClusters;
  transfers: TransferRegistry;
  /** Every tenant's allowedOrigins: who may read responses cross-origin (the token still decides the tenant). */
  allowedOrigins(): ReadonlySet<string>;
}

/** What the handler copies from the request before anything async (uWS reuses `req`). */
interface FilesRequest {
  method: string;
  query: URLSearchParams;
  contentType: string;
  contentLength: number | null;
  credentials: ReturnType<typeof readUpgradeRequest>['credentials'];
}

function readRequest(res: HttpResponse, req: HttpRequest, trustProxy: boolean): FilesRequest {
  const r = readUpgradeRequest(
    (name) => req.getHeader(name),
    normalizeIp(arrayBufferToText(res.getRemoteAddressAsText())),
    trustProxy,
  );
  const length = req.getHeader('content-length');
  return {
    method: req.getMethod().toLowerCase(),
    query: new URLSearchParams(req.getQuery() ?? ''),
    contentType: req.getHeader('content-type').split(';')[0]!.trim().toLowerCase(),
    contentLength: /^\d+$/.test(length) ? Number(length) : null,
    credentials: r.credentials,
  };
}

/**
 * An operator's or tenant admin's lock (docs/admin-api.md "Locks") keeps its subject or pod out of
 * file transfer as it keeps them out of sessions. Fails closed: a store that does not answer refuses.
 */
async function refuseLocked(ctx: FilesContext, auth: AuthorizedSession): Promise<void> {
  let locks: LockRecord[];
  try {
    locks = await ctx.store.listLocks(auth.tenant.name);
  } catch (err) {
    throw new PodShellError(ErrorCode.STORE_UNAVAILABLE, 'The session store does not answer; try again shortly.', {
      cause: err,
    });
  }
  const who = { tenant: auth.tenant.name, subject: auth.subject, namespace: auth.namespace, pod: auth.pod };
  const lock = locks.find((l) => lockMatches(l, who, Date.now()));
  if (lock !== undefined)
    throw new PodShellError(ErrorCode.LOCKED, lock.message || 'Access is locked by an administrator.');
}

function corsHeaders(origin: string | null, allowed: ReadonlySet<string>): Record<string, string> {
  if (origin === null || !allowed.has(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'content-disposition, x-pod-shell-kind, x-pod-shell-size, x-pod-shell-transfer',
    vary: 'Origin',
  };
}

/**
 * `POST /v1/files/upload?dir=D[&name=N]` and `GET|POST /v1/files/download?path=P` (and their CORS
 * preflights): authenticated exactly like a session upgrade (the token in `Authorization: Bearer`,
 * never the URL; the Origin checked against the tenant's list; the target from the token). An
 * upload's body is a tar archive (`Content-Type: application/x-tar`) or one file's bytes (`name`).
 * Browsers send no Origin on a same-origin GET, so the element downloads with POST (empty body).
 * See upload.ts / download.ts for the flows, FileTransfer for the accounting.
 */
export function registerFileRoutes(routes: RouteApp, ctx: FilesContext): void {
  // The replica's failed-authentication caps, shared with the upgrade and the tenant admin API (threat
  // 15): a forged-token flood here counts against the same windows and is refused unverified too.
  const { authFailures } = ctx;
  routes.any(UPLOAD_PATH, (res, req) => handle(ctx, authFailures, res, req, 'upload'));
  routes.any(DOWNLOAD_PATH, (res, req) => handle(ctx, authFailures, res, req, 'download'));
}

function handle(
  ctx: FilesContext,
  authFailures: AuthFailureLimiter,
  res: HttpResponse,
  req: HttpRequest,
  direction: TransferDirection,
): Promise<void> | void {
  const r = readRequest(res, req, ctx.config.trustProxy);
  const cors = corsHeaders(r.credentials.origin, ctx.allowedOrigins());
  if (r.method === 'options') {
    if (cors['access-control-allow-origin'] === undefined)
      return replyJson(res, 403, { error: ErrorCode.ORIGIN_FORBIDDEN });
    return reply(res, 204, '', {
      ...cors,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '600',
    });
  }
  if (r.method !== 'post' && !(r.method === 'get' && direction === 'download'))
    return replyJson(
      res,
      405,
      { error: ErrorCode.BAD_REQUEST, message: `${direction} takes POST${direction === 'download' ? ' or GET' : ''}` },
      cors,
    );
  // Before any await: uWS drops body bytes that arrive with no onData handler.
  const body = direction === 'upload' ? new RequestBody(res) : null;
  let transfer: FileTransfer | null = null;
  onResponseAborted(res, () =>
    transfer?.cancel(new PodShellError(ErrorCode.FILE_TRANSFER_CANCELLED, 'the client went away')),
  );
  return (async () => {
    try {
      if (ctx.isDraining())
        throw new PodShellError(ErrorCode.DRAINING, 'The broker is shutting down; try another replica.');
      const token = r.credentials.token;
      if (token === null) throw new AuthError(ErrorCode.TOKEN_MISSING, 'no token: send Authorization: Bearer <token>');
      const ip = r.credentials.clientIp;
      const claimed = ctx.authenticator.claimedTenant(token);
      const throttled = authFailures.throttled(ip, claimed);
      if (throttled !== null) {
        ctx.metrics.authThrottled.inc({ scope: throttled });
        throw new AuthError(ErrorCode.AUTH_RATE_LIMITED, 'Too many failed authentications; try again in a minute.');
      }
      const auth = await ctx.authenticator.authenticate(r.credentials).catch((err: unknown) => {
        if (err instanceof AuthError && err.httpStatus === 401) authFailures.failed(ip, claimed);
        throw err;
      });
      const policy = checkTransferAllowed(auth, direction);
      await refuseLocked(ctx, auth);
      const path = userPath(
        r.query.get(direction === 'upload' ? 'dir' : 'path'),
        direction === 'upload' ? 'dir' : 'path',
      );
      let upload: UploadBody | null = null;
      if (body !== null) {
        if (r.contentType === TAR_CONTENT_TYPE) upload = { kind: 'tar' };
        else {
          if (r.contentLength === null)
            throw new PodShellError(ErrorCode.BAD_REQUEST, 'a single-file upload needs a Content-Length');
          upload = { kind: 'file', name: uploadFileName(r.query.get('name')), size: r.contentLength };
        }
        if (upload.kind === 'file' && upload.size > policy.maxUploadBytes)
          throw new PodShellError(
            ErrorCode.FILE_TOO_LARGE,
            `the file has ${upload.size} bytes; this tenant's limit is ${policy.maxUploadBytes}`,
          );
      }
      if (isAborted(res)) return;
      transfer = ctx.transfers.begin(auth, direction, path, r.credentials.clientIp, policy);
      const t = transfer;
      try {
        const dial = await ctx.clusters.dial(auth.tenant.kubeContext);
        const env: TransferEnv = {
          dial,
          headers: impersonationHeaders(resolveIdentity(auth.tenant.identity, auth.subject)),
          target: podTarget(auth),
          timeoutMs: ctx.config.upgradeTimeoutMs,
        };
        t.throwIfCancelled();
        if (upload !== null && body !== null) {
          const done = await runUpload(env, t, path, upload, body, policy.maxUploadBytes);
          t.finish(null, { entries: done.entries, viaCat: done.viaCat });
          replyJson(
            res,
            200,
            { transfer: t.id, dir: done.dir, names: done.names, entries: done.entries, bytes: t.bytes },
            cors,
          );
        } else {
          const done = await runDownload(env, t, res, path, policy.maxDownloadBytes, cors);
          t.finish(null, { kind: done.kind, entries: done.entries, skipped: done.skipped });
        }
      } catch (err) {
        t.finish(toPodShellError(err));
        throw err;
      }
    } catch (err) {
      const e = toPodShellError(err);
      if (e instanceof AuthError) ctx.metrics.authFailures.inc({ reason: e.reason });
      if (e.code === ErrorCode.INTERNAL) ctx.logger.error('files.failed', { err });
      else if (transfer === null)
        ctx.logger.info('files.refused', { code: e.code, message: e.message, clientIp: r.credentials.clientIp });
      const message = e.code === ErrorCode.TOKEN_INVALID ? GENERIC_INVALID_TOKEN_MESSAGE : e.message;
      const answer = (): void => replyJson(res, e.httpStatus, { error: e.code, reason: e.reason, message }, cors);
      // A refused upload is answered once its body was read (up to 64 MiB), so the client can read the answer.
      if (body !== null) body.discardThen(DISCARD_MAX_BYTES, answer);
      else answer();
    }
  })();
}
