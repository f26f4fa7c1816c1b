import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a replica sends on a replica link: `<replica id>.<epoch ms>.<hex HMAC-SHA256>`. */
export const REPLICA_LINK_HEADER = 'x-pod-shell-replica-link';
/** The client's address as the relaying replica saw it (trusted only on an authenticated link). */
export const REPLICA_CLIENT_IP_HEADER = 'x-pod-shell-client-ip';
/** How far a link's timestamp may be from this replica's clock. */
export const REPLICA_LINK_MAX_SKEW_MS = 30_000;

function mac(secret: string, replica: string, at: number, clientIp: string, resumeEntry: string): string {
  return createHmac('sha256', secret).update(`${replica}\n${at}\n${clientIp}\n${resumeEntry}`).digest('hex');
}

/**
 * What a replica link for an observer MACs in place of a resume entry: the observer token itself, so a
 * captured link header can only ever be replayed (within the skew) with the very token it carried,
 * which grants nothing that token does not grant on its own.
 */
export function observeLinkEntry(token: string | null): string {
  return `observe\n${token ?? ''}`;
}

/**
 * Signs a replica link. The MAC covers the relaying replica, the time, the client's address and the
 * resume subprotocol entry — whose credential works once, so a captured header cannot be replayed
 * for another resume, and cannot move the client address.
 */
export function signReplicaLink(
  secret: string,
  replica: string,
  clientIp: string,
  resumeEntry: string,
  at = Date.now(),
): string {
  return `${replica}.${at}.${mac(secret, replica, at, clientIp, resumeEntry)}`;
}

/**
 * Checks a replica link header: well-formed, fresh (±REPLICA_LINK_MAX_SKEW_MS) and MACed with the
 * shared secret. Returns the relaying replica's id, or null. Constant-time comparison.
 */
export function verifyReplicaLink(
  secret: string,
  header: string,
  clientIp: string,
  resumeEntry: string,
  now = Date.now(),
): string | null {
  const m = /^([^.\s]{1,200})\.(\d{1,16})\.([0-9a-f]{64})$/.exec(header);
  if (m === null) return null;
  const [, replica, atText, given] = m as unknown as [string, string, string, string];
  const at = Number(atText);
  if (Math.abs(now - at) > REPLICA_LINK_MAX_SKEW_MS) return null;
  const want = Buffer.from(mac(secret, replica, at, clientIp, resumeEntry), 'hex');
  return timingSafeEqual(want, Buffer.from(given, 'hex')) ? replica : null;
}
