import type { IncomingMessage } from 'node:http';
import { K8S_BEARER_SUBPROTOCOL_PREFIX } from '@pod-shell/protocol';
import type { TokenFixture, UserInfo } from '../fixtures/types.js';
import { unauthorized } from '../http/status-error.js';

export const SYSTEM_AUTHENTICATED = 'system:authenticated';

/** Why authentication failed (never sent to the client: the apiserver answers a bare 401 `Unauthorized`). */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/** Whether the request asks for a WebSocket upgrade (wsstream.IsWebSocketRequest). */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  const connection = req.headers.connection ?? '';
  return (
    typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket' && /(^|,)\s*upgrade\s*(,|$)/i.test(connection)
  );
}

/** Every `Sec-WebSocket-Protocol` entry, in order (the header may repeat and holds comma-separated lists). */
export function offeredSubprotocols(req: IncomingMessage): string[] {
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if ((req.rawHeaders[i] ?? '').toLowerCase() !== 'sec-websocket-protocol') continue;
    for (const p of (req.rawHeaders[i + 1] ?? '').split(',')) out.push(p.trim());
  }
  return out;
}

/** Replaces the request's `Sec-WebSocket-Protocol` (both `headers` and `rawHeaders`) with `protocols`. */
function setSubprotocols(req: IncomingMessage, protocols: string[]): void {
  const raw: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if ((req.rawHeaders[i] ?? '').toLowerCase() === 'sec-websocket-protocol') continue;
    raw.push(req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '');
  }
  const joined = protocols.join(', ');
  if (protocols.length > 0) raw.push('Sec-WebSocket-Protocol', joined);
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
  if (protocols.length > 0) req.headers['sec-websocket-protocol'] = joined;
  else delete req.headers['sec-websocket-protocol'];
}

/** Drops every occurrence of header `name` (lowercase) from `rawHeaders`. */
export function removeRawHeader(req: IncomingMessage, name: string | ((lower: string) => boolean)): void {
  const match = typeof name === 'string' ? (h: string): boolean => h === name : name;
  const raw: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (match((req.rawHeaders[i] ?? '').toLowerCase())) continue;
    raw.push(req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '');
  }
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
}

const BASE64URL_RAW = /^[A-Za-z0-9_-]*$/;

/**
 * The apiserver's websocket ProtocolAuthenticator: one `base64url.bearer.authorization.k8s.io.<b64url>`
 * entry, raw (unpadded) base64url of valid UTF-8, and at least one other subprotocol to negotiate.
 * Returns the token, or null if none was offered. The token entry is always removed from the request so
 * it can never be echoed or logged downstream.
 */
export function takeSubprotocolToken(req: IncomingMessage): string | null {
  if (!isWebSocketRequest(req)) return null;
  const offered = offeredSubprotocols(req);
  const others: string[] = [];
  let token: string | null = null;
  let problem: string | null = null;
  for (const p of offered) {
    if (!p.startsWith(K8S_BEARER_SUBPROTOCOL_PREFIX)) {
      others.push(p);
      continue;
    }
    if (token !== null || problem !== null) {
      problem ??= 'multiple base64.bearer.authorization tokens specified';
      continue;
    }
    const encoded = p.slice(K8S_BEARER_SUBPROTOCOL_PREFIX.length);
    if (!BASE64URL_RAW.test(encoded) || encoded.length % 4 === 1) {
      problem = 'invalid base64.bearer.authorization token encoding';
      continue;
    }
    const bytes = Buffer.from(encoded, 'base64url');
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) {
      problem = 'invalid base64.bearer.authorization token';
      continue;
    }
    token = text;
  }
  if (offered.length !== others.length) setSubprotocols(req, others);
  if (problem !== null) throw new AuthenticationError(problem);
  if (token !== null && token.length > 0 && others.length === 0)
    throw new AuthenticationError('missing additional subprotocol');
  return token !== null && token.length > 0 ? token : null;
}

/** `Authorization: Bearer <token>` (scheme case-insensitive, like the bearertoken authenticator). */
function headerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (h === undefined) return null;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(h);
  if (m === null) throw new AuthenticationError('invalid Authorization header');
  return m[1] ?? null;
}

/** Static token authenticator; every authenticated user also gets `system:authenticated`. */
export class TokenAuthenticator {
  private readonly byToken = new Map<string, UserInfo>();

  constructor(tokens: TokenFixture[]) {
    for (const t of tokens) this.byToken.set(t.token, t.user);
  }

  lookup(token: string): UserInfo | null {
    const u = this.byToken.get(token);
    if (u === undefined) return null;
    const groups = u.groups.includes(SYSTEM_AUTHENTICATED) ? [...u.groups] : [...u.groups, SYSTEM_AUTHENTICATED];
    const out: UserInfo = { name: u.name, groups, extra: { ...u.extra } };
    if (u.uid !== undefined) out.uid = u.uid;
    return out;
  }

  /**
   * Authenticates like the apiserver's union authenticator: the Authorization header first, then the
   * WebSocket bearer subprotocol. Any failure (no credentials, unknown token, malformed subprotocol) is
   * a 401 `Unauthorized` Status. Credentials are removed from the request once used.
   */
  authenticate(req: IncomingMessage): UserInfo {
    let fromHeader: string | null;
    let fromProtocol: string | null;
    try {
      fromHeader = headerToken(req);
    } catch {
      fromHeader = null;
    }
    try {
      fromProtocol = takeSubprotocolToken(req);
    } catch {
      fromProtocol = null;
    }
    delete req.headers.authorization;
    removeRawHeader(req, 'authorization');
    for (const t of [fromHeader, fromProtocol]) {
      if (t === null) continue;
      const u = this.lookup(t);
      if (u !== null) return u;
    }
    throw unauthorized();
  }
}
