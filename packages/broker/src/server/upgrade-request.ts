import {
  parseResumeSubprotocol,
  POD_SHELL_BEARER_PREFIX,
  POD_SHELL_OBSERVE,
  POD_SHELL_RESUMABLE,
  POD_SHELL_RESUME_PREFIX,
  POD_SHELL_SUBPROTOCOL,
  type ResumeRequest,
} from '@pod-shell/protocol';
import type { UpgradeCredentials } from '../auth/authorized-session.js';
import { observeLinkEntry, REPLICA_CLIENT_IP_HEADER, REPLICA_LINK_HEADER } from './replica-link-auth.js';

/** Everything the upgrade handler needs from the request, copied synchronously (uWS reuses `req`). */
export interface UpgradeRequest {
  credentials: UpgradeCredentials;
  secWebSocketKey: string;
  secWebSocketExtensions: string;
  /** Whether the client offered `pod-shell.v1` (the only subprotocol the broker answers). */
  offersProtocol: boolean;
  /** The client offered `pod-shell.resumable.v1` (or is resuming): its session may survive a dropped connection. */
  resumable: boolean;
  /** A `pod-shell.resume.<credential>.<offset>` entry: this upgrade resumes a session instead of opening one. */
  resume: ResumeRequest | null;
  /** The client offered `pod-shell.observe.v1`: it watches the session its observer token names, read-only. */
  observe: boolean;
  /** A resume entry was offered but is malformed (refused with BAD_REQUEST, never treated as a new session). */
  badResume: boolean;
  /** The offered resume subprotocol entry as sent ('' when none): a replica link forwards it and MACs it. */
  resumeEntry: string;
  /** What a replica link MACs for this upgrade: the resume entry, or for an observer its token (replica-link-auth.ts). */
  linkEntry: string;
  /** The replica-link header ('' when absent): this upgrade claims to come from another replica. */
  replicaLink: string;
  /** The client address a replica link forwards (trusted only once the link's MAC checked out). */
  linkedClientIp: string;
  /** Set once the replica-link header was verified: the relaying replica's id. */
  fromReplica: string | null;
}

export type HeaderGetter = (lowerCaseName: string) => string;

/**
 * Reads the token from a `pod-shell.bearer.<jwt>` subprotocol entry, else from
 * `Authorization: Bearer <jwt>`; never from the URL. The origin and client IP are copied as well
 * (`X-Forwarded-For`'s first hop only when TRUST_PROXY is on).
 */
export function readUpgradeRequest(header: HeaderGetter, remoteAddress: string, trustProxy: boolean): UpgradeRequest {
  const offered = header('sec-websocket-protocol')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  let token: string | null = null;
  for (const p of offered) {
    if (p.startsWith(POD_SHELL_BEARER_PREFIX)) {
      token = p.slice(POD_SHELL_BEARER_PREFIX.length);
      break;
    }
  }
  const resumeEntry = offered.find((p) => p.startsWith(POD_SHELL_RESUME_PREFIX));
  const resume = resumeEntry === undefined ? null : parseResumeSubprotocol(resumeEntry);
  if (token === null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header('authorization'));
    if (m) token = m[1]!;
  }
  if (token === '') token = null;
  const origin = header('origin');
  const observe = offered.includes(POD_SHELL_OBSERVE);
  return {
    credentials: {
      token,
      origin: origin === '' ? null : origin,
      clientIp: clientIp(header, remoteAddress, trustProxy),
    },
    secWebSocketKey: header('sec-websocket-key'),
    secWebSocketExtensions: header('sec-websocket-extensions'),
    offersProtocol: offered.includes(POD_SHELL_SUBPROTOCOL),
    resumable: resume !== null || offered.includes(POD_SHELL_RESUMABLE),
    resume,
    observe,
    badResume: resumeEntry !== undefined && resume === null,
    resumeEntry: resumeEntry ?? '',
    linkEntry: observe ? observeLinkEntry(token) : (resumeEntry ?? ''),
    replicaLink: header(REPLICA_LINK_HEADER),
    linkedClientIp: header(REPLICA_CLIENT_IP_HEADER),
    fromReplica: null,
  };
}

/**
 * The client's address: the peer's, or with TRUST_PROXY the first `X-Forwarded-For` entry (the proxy in
 * front is trusted to have set it). Upgrades and plain HTTP routes (the tenant admin API) use the same rule.
 */
export function clientIp(header: HeaderGetter, remoteAddress: string, trustProxy: boolean): string {
  if (trustProxy) {
    const first = header('x-forwarded-for').split(',')[0]?.trim();
    if (first) return first;
  }
  return remoteAddress;
}

/** uWS gives IPv4-mapped IPv6 text for IPv4 peers; logs and rate limits read better without the prefix. */
export function normalizeIp(text: string): string {
  const m = /^(?:0000:0000:0000:0000:0000:ffff:|::ffff:)(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (m) return m[1]!;
  return text;
}
