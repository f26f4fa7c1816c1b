import type { IncomingMessage } from 'node:http';
import { K8sSubprotocol } from '@pod-shell/protocol';

/** The framing dialect a stream speaks once upgraded. */
export type StreamProtocol =
  /** v5.channel.k8s.io: the apiserver's stream translator; channel 3 JSON Status; channel 255 close. */
  | 'v5'
  /** v4.channel.k8s.io: kubelet/CRI path; channel 3 JSON Status (containerd's exit wording). */
  | 'v4'
  /** channel.k8s.io or no subprotocol: channel 3 is empty on success, plain text on failure. */
  | 'v1';

export interface Negotiated {
  protocol: StreamProtocol;
  /** The Sec-WebSocket-Protocol to echo, or null when the client offered none. */
  subprotocol: string | null;
}

/** A handshake the simulator refuses, with the answer golang.org/x/net/websocket gives. */
export interface HandshakeRejection {
  code: number;
  /** x/net writes its error text as the body, with no headers; 403 on no protocol match is empty. */
  body: string;
}

/**
 * Checks a WebSocket upgrade in x/net/websocket's order (hybi.go ReadHandshake): GET only (405),
 * `Upgrade: websocket` + `Connection: upgrade` (400), a Sec-WebSocket-Key (400), version 13 (400).
 */
export function checkWebSocketHandshake(req: IncomingMessage): HandshakeRejection | null {
  if (req.method !== 'GET') return { code: 405, body: 'bad method' };
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  const connection = String(req.headers.connection ?? '').toLowerCase();
  if (upgrade !== 'websocket' || !connection.includes('upgrade')) return { code: 400, body: 'not websocket protocol' };
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key.trim()))
    return { code: 400, body: 'mismatch challenge/response' };
  if (req.headers['sec-websocket-version'] !== '13') return { code: 400, body: 'missing or bad WebSocket Version' };
  return null;
}

/** The client's offered subprotocols, in its order (the header may repeat or hold a list). */
export function offeredSubprotocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  if (raw === undefined) return [];
  const joined = Array.isArray(raw) ? raw.join(',') : raw;
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Subprotocols of the kubelet/CRI path, which the simulator serves (the base64 ones are not implemented). */
const LEGACY: ReadonlyMap<string, StreamProtocol> = new Map([
  [K8sSubprotocol.V4, 'v4'],
  [K8sSubprotocol.V1, 'v1'],
]);

/**
 * Picks the subprotocol like the apiserver (with `maxProtocol` v4: like an apiserver without the stream
 * translator, or a proxy that reaches only the kubelet path): any offer of v5 goes to the stream translator, which
 * accepts v5 only; everything else is the kubelet's first match in the client's order; an offer
 * with no match is refused (403, empty body); no offer at all is plain `channel.k8s.io` framing.
 */
export function negotiate(offered: readonly string[], maxProtocol: 'v5' | 'v4' = 'v5'): Negotiated | null {
  if (offered.length === 0) return { protocol: 'v1', subprotocol: null };
  // Without the stream translator (maxProtocol v4) a v5 offer falls through to the kubelet, which does not know it.
  if (maxProtocol === 'v5' && offered.includes(K8sSubprotocol.V5))
    return { protocol: 'v5', subprotocol: K8sSubprotocol.V5 };
  for (const p of offered) {
    const protocol = LEGACY.get(p);
    if (protocol) return { protocol, subprotocol: p };
  }
  return null;
}
