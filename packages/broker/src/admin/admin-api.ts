import { replaceControlChars } from '@pod-shell/protocol';
import { ErrorCode, PodShellError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { SessionRecord, SessionStore } from '../store/session-store.js';
import { adminTokenMatches } from './admin-auth.js';
import { createLock } from './admin-locks.js';

/**
 * The cluster-wide admin API (docs/admin-api.md), served on the admin port behind ADMIN_TOKEN.
 * Pure handlers over the session store: any replica answers for every session, because the store is
 * shared; kills and expiry changes travel over the store's control channel to the replica holding
 * the socket, which closes it with 4409 (kill) or re-arms its timer (expiry).
 *
 *   GET    /admin/sessions?tenant=&subject=   list (subject needs tenant: subjects are per tenant)
 *   GET    /admin/sessions/:id[?tenant=]      show one
 *   DELETE /admin/sessions/:id[?tenant=]      kill one            body (optional): {message}
 *   POST   /admin/sessions/:id/expiry         shorten             body: {expiresAt} | {inSeconds}
 *   POST   /admin/revoke                      kill a subject's or a whole tenant's sessions
 *                                             body: {tenant, subject?, message?}
 *   GET|POST /admin/locks, DELETE /admin/locks/:id   locks (see routeLocks)
 */
export interface AdminRequest {
  method: string;
  /** Path without the query string, e.g. `/admin/sessions/abc`. */
  path: string;
  /** The query string (with or without `?`), or parsed parameters. */
  query?: string | URLSearchParams | Record<string, string | undefined>;
  /** The raw body text, or an already parsed JSON value. */
  body?: unknown;
  /** When given and `ctx.adminToken` is set, the bearer token is checked here too. */
  headers?: Record<string, string | undefined>;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

export interface AdminContext {
  store: SessionStore;
  logger: Logger;
  /** ADMIN_TOKEN; when set together with `req.headers`, requests without it get 401. */
  adminToken?: string;
  now?: () => number;
  /**
   * Set for a tenant admin (a tenant's own admin token, docs/admin-api.md): every request is confined
   * to this tenant — naming another is 403, another tenant's session or lock is "not found".
   * Unset for the operator (ADMIN_TOKEN), who works across tenants.
   */
  tenant?: string;
  /** Who acts, for the log and `createdBy`: the tenant admin token's `sub`. */
  actor?: string;
}

/** The tenant a request may act on: a tenant admin's own, whatever it names (naming another is 403). */
function scoped(ctx: AdminContext, named: string | undefined): string | undefined {
  if (ctx.tenant === undefined) return named;
  if (named !== undefined && named !== ctx.tenant)
    throw new AdminError(403, 'PS_ERR_ADMIN_FORBIDDEN', 'A tenant admin token can only act on its own tenant.');
  return ctx.tenant;
}

/** Like `scoped`, for a field the operator must give ("tenant" in a body). */
function scopedRequired(ctx: AdminContext, value: unknown): string {
  return scoped(ctx, name(value, 'tenant', false)) ?? name(value, 'tenant', true);
}

const SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,252}$/;
const MAX_MESSAGE = 200;

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string): AdminError => new AdminError(400, 'PS_ERR_BAD_REQUEST', message);
const notFound = (message: string): AdminError => new AdminError(404, 'PS_ERR_NOT_FOUND', message);

/** True for the paths this module answers, so the admin server can route to it. */
export function isAdminApiPath(path: string): boolean {
  return (
    path === '/admin/revoke' ||
    path === '/admin/sessions' ||
    path.startsWith('/admin/sessions/') ||
    path === '/admin/locks' ||
    path.startsWith('/admin/locks/')
  );
}

function params(query: AdminRequest['query']): URLSearchParams {
  if (query === undefined) return new URLSearchParams();
  if (query instanceof URLSearchParams) return query;
  if (typeof query === 'string') return new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) p.set(k, v);
  return p;
}

function jsonBody(body: AdminRequest['body'], required: boolean): Record<string, unknown> {
  let value: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    if (text.trim() === '') value = undefined;
    else {
      try {
        value = JSON.parse(text);
      } catch {
        throw bad('The request body must be JSON.');
      }
    }
  }
  if (value === undefined || value === null) {
    if (required) throw bad('The request needs a JSON object body.');
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw bad('The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

function name(value: unknown, field: string, required: true): string;
function name(value: unknown, field: string, required: false): string | undefined;
function name(value: unknown, field: string, required: boolean): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw bad(`"${field}" is required.`);
    return undefined;
  }
  if (typeof value !== 'string' || !NAME.test(value))
    throw bad(`"${field}" must be a name of letters, digits and ._@:+- (at most 253 characters).`);
  return value;
}

function message(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_MESSAGE)
    throw bad(`"message" must be a string of at most ${MAX_MESSAGE} characters.`);
  // Shown in the user's terminal: no control characters (threat 11).
  return replaceControlChars(value);
}

/** Finds a session, honouring an optional `tenant` scope (a session of another tenant is "not found"). */
async function findSession(store: SessionStore, id: string, tenant: string | undefined): Promise<SessionRecord> {
  if (!SESSION_ID.test(id)) throw bad('The session id is malformed.');
  const rec = await store.get(id);
  if (rec === null || (tenant !== undefined && rec.tenant !== tenant)) throw notFound(`No live session ${id}.`);
  return rec;
}

async function route(req: AdminRequest, ctx: AdminContext): Promise<AdminResponse> {
  const q = params(req.query);
  const method = req.method.toUpperCase();
  const now = (ctx.now ?? Date.now)();
  const { store } = ctx;
  const path = req.path.replace(/\/+$/, '');

  if (path === '/admin/sessions') {
    if (method !== 'GET') throw new AdminError(405, 'PS_ERR_METHOD', 'Use GET.');
    const tenant = scoped(ctx, name(q.get('tenant'), 'tenant', false));
    const subject = name(q.get('subject'), 'subject', false);
    if (subject !== undefined && tenant === undefined)
      throw bad('"subject" needs "tenant": subjects are scoped by tenant.');
    const sessions = await store.list({
      ...(tenant !== undefined ? { tenant } : {}),
      ...(subject !== undefined ? { subject } : {}),
    });
    return { status: 200, body: { count: sessions.length, sessions } };
  }

  if (path === '/admin/revoke') {
    if (method !== 'POST') throw new AdminError(405, 'PS_ERR_METHOD', 'Use POST.');
    const b = jsonBody(req.body, true);
    const tenant = scopedRequired(ctx, b['tenant']);
    const subject = name(b['subject'], 'subject', false);
    const msg = message(b['message']);
    const matched = await store.list(subject !== undefined ? { tenant, subject } : { tenant });
    await store.publish(
      subject !== undefined
        ? { kind: 'kill-subject', tenant, subject, ...(msg !== undefined ? { message: msg } : {}) }
        : { kind: 'kill-tenant', tenant, ...(msg !== undefined ? { message: msg } : {}) },
    );
    ctx.logger.info('admin.revoke', { tenant, subject, sessions: matched.length });
    return {
      status: 202,
      body: {
        tenant,
        ...(subject !== undefined ? { subject } : {}),
        sessions: matched.length,
        ids: matched.map((r) => r.id),
      },
    };
  }

  if (path === '/admin/locks' || path.startsWith('/admin/locks/')) return routeLocks(req, ctx, path, method, q, now);

  const m = /^\/admin\/sessions\/([^/]+)(\/expiry)?$/.exec(path);
  if (!m) throw notFound('No such admin endpoint.');
  const id = decodeURIComponent(m[1]!);
  const tenant = scoped(ctx, name(q.get('tenant'), 'tenant', false));

  if (m[2]) {
    if (method !== 'POST') throw new AdminError(405, 'PS_ERR_METHOD', 'Use POST.');
    const b = jsonBody(req.body, true);
    let expiresAt: number;
    if (b['expiresAt'] !== undefined) {
      if (typeof b['expiresAt'] !== 'number' || !Number.isSafeInteger(b['expiresAt']))
        throw bad('"expiresAt" must be an epoch time in milliseconds.');
      expiresAt = b['expiresAt'];
    } else if (b['inSeconds'] !== undefined) {
      if (typeof b['inSeconds'] !== 'number' || !Number.isFinite(b['inSeconds']) || b['inSeconds'] < 0)
        throw bad('"inSeconds" must be a number ≥ 0.');
      expiresAt = now + Math.round(b['inSeconds'] * 1000);
    } else throw bad('Give "expiresAt" (epoch ms) or "inSeconds".');
    const rec = await findSession(store, id, tenant);
    // Operators may only shorten: a session never outlives its token or the tenant's maximum (threat 8).
    if (expiresAt > rec.expiresAt) {
      throw new AdminError(
        409,
        'PS_ERR_EXPIRY_EXTENSION',
        `The session already expires at ${new Date(rec.expiresAt).toISOString()}; the admin API can only shorten it.`,
      );
    }
    expiresAt = Math.max(expiresAt, now);
    // The limit is stored with the session: a later refresh, on any replica, cannot move past it.
    const limited = await store.limitExpiry(rec.tenant, rec.id, expiresAt);
    if (limited === null) throw notFound(`No live session ${id}.`);
    // The replica holding the socket re-arms its expiry timer (its own updateExpiry does not publish).
    await store.publish({ kind: 'set-expiry', sessionId: rec.id, expiresAt: limited.expiresAt });
    ctx.logger.info('admin.expiry', {
      session: rec.id,
      tenant: rec.tenant,
      expiresAt: new Date(limited.expiresAt).toISOString(),
    });
    return { status: 200, body: { session: limited } };
  }

  if (method === 'GET') return { status: 200, body: { session: await findSession(store, id, tenant) } };
  if (method === 'DELETE') {
    const msg = message(jsonBody(req.body, false)['message']);
    const rec = await findSession(store, id, tenant);
    await store.publish({ kind: 'kill', sessionId: rec.id, ...(msg !== undefined ? { message: msg } : {}) });
    ctx.logger.info('admin.kill', { session: rec.id, tenant: rec.tenant, replica: rec.replica });
    return { status: 202, body: { killed: rec.id, tenant: rec.tenant, replica: rec.replica } };
  }
  throw new AdminError(405, 'PS_ERR_METHOD', 'Use GET or DELETE.');
}

/** An epoch-ms expiry from `expiresAt` or `ttlSeconds` (in the future), or undefined when neither is given. */
function lockExpiry(b: Record<string, unknown>, now: number): number | undefined {
  if (b['expiresAt'] !== undefined) {
    if (typeof b['expiresAt'] !== 'number' || !Number.isSafeInteger(b['expiresAt']) || b['expiresAt'] <= now)
      throw bad('"expiresAt" must be a future epoch time in milliseconds.');
    return b['expiresAt'];
  }
  if (b['ttlSeconds'] !== undefined) {
    if (typeof b['ttlSeconds'] !== 'number' || !Number.isFinite(b['ttlSeconds']) || b['ttlSeconds'] <= 0)
      throw bad('"ttlSeconds" must be a number > 0.');
    return now + Math.round(b['ttlSeconds'] * 1000);
  }
  return undefined;
}

/**
 *   GET    /admin/locks?tenant=          list the locks in force
 *   POST   /admin/locks                  create: {tenant, subject?, namespace?, pod?, message?, ttlSeconds? | expiresAt?}
 *   DELETE /admin/locks/:id[?tenant=]    remove
 */
async function routeLocks(
  req: AdminRequest,
  ctx: AdminContext,
  path: string,
  method: string,
  q: URLSearchParams,
  now: number,
): Promise<AdminResponse> {
  const { store } = ctx;
  if (path === '/admin/locks') {
    if (method === 'GET') {
      const locks = await store.listLocks(scoped(ctx, name(q.get('tenant'), 'tenant', false)));
      return { status: 200, body: { count: locks.length, locks } };
    }
    if (method !== 'POST') throw new AdminError(405, 'PS_ERR_METHOD', 'Use GET or POST.');
    const b = jsonBody(req.body, true);
    const tenant = scopedRequired(ctx, b['tenant']);
    const subject = name(b['subject'], 'subject', false);
    const namespace = name(b['namespace'], 'namespace', false);
    const pod = name(b['pod'], 'pod', false);
    const msg = message(b['message']);
    const expiresAt = lockExpiry(b, now);
    const { lock, ended } = await createLock(
      store,
      ctx.logger,
      {
        tenant,
        ...(subject !== undefined ? { subject } : {}),
        ...(namespace !== undefined ? { namespace } : {}),
        ...(pod !== undefined ? { pod } : {}),
        ...(msg !== undefined ? { message: msg } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        createdBy: ctx.tenant === undefined ? 'operator' : `tenant:${ctx.actor ?? ''}`,
      },
      now,
    );
    return { status: 201, body: { lock, sessionsEnded: ended.length, ids: ended } };
  }
  const id = decodeURIComponent(path.slice('/admin/locks/'.length));
  if (!SESSION_ID.test(id)) throw bad('The lock id is malformed.');
  if (method !== 'DELETE') throw new AdminError(405, 'PS_ERR_METHOD', 'Use DELETE.');
  const removed = await store.removeLock(id, scoped(ctx, name(q.get('tenant'), 'tenant', false)));
  if (removed === null) throw notFound(`No lock ${id}.`);
  ctx.logger.info('admin.unlock', { lock: removed.id, tenant: removed.tenant });
  return { status: 200, body: { removed } };
}

/**
 * Answers one admin API request with a JSON-able body. Never throws: bad input → 400, unknown
 * session → 404, store down → 503, anything else → 500 (logged, message hidden).
 */
export async function handleAdminRequest(req: AdminRequest, ctx: AdminContext): Promise<AdminResponse> {
  const err = (status: number, code: string, msg: string): AdminResponse => ({
    status,
    body: { error: { code, message: msg } },
  });
  if (ctx.adminToken !== undefined && req.headers !== undefined) {
    const auth = req.headers['authorization'] ?? req.headers['Authorization'];
    if (!adminTokenMatches(auth, ctx.adminToken))
      return err(401, 'PS_ERR_ADMIN_UNAUTHORIZED', 'A valid admin bearer token is required.');
  }
  try {
    return await route(req, ctx);
  } catch (e) {
    if (e instanceof AdminError) return err(e.status, e.code, e.message);
    if (e instanceof PodShellError && e.code === ErrorCode.STORE_UNAVAILABLE) return err(503, e.code, e.message);
    ctx.logger.error('admin.failed', { method: req.method, path: req.path, err: e });
    return err(500, ErrorCode.INTERNAL, 'internal error');
  }
}
