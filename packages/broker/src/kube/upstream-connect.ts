import { isIP } from 'node:net';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/**
 * What `tls.connect` uses from the request options: where to connect and how to trust the peer.
 * Everything else `ws` and `http` put there (the upgrade headers with the Authorization and
 * Impersonate-* values, the ws settings, the URL parts) is no business of the socket.
 */
const CONNECT_KEYS = [
  // where (net.connect)
  'host',
  'port',
  'family',
  'hints',
  'lookup',
  'localAddress',
  'localPort',
  'autoSelectFamily',
  'autoSelectFamilyAttemptTimeout',
  'noDelay',
  'keepAlive',
  'keepAliveInitialDelay',
  'timeout',
  // trust and TLS parameters (tls.connect)
  'servername',
  'secureContext',
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'crl',
  'rejectUnauthorized',
  'checkServerIdentity',
  'ciphers',
  'ecdhCurve',
  'sigalgs',
  'minVersion',
  'maxVersion',
  'secureOptions',
  'secureProtocol',
  'session',
  'ALPNProtocols',
  'requestOCSP',
] as const;

/**
 * The options for one upstream TLS socket, picked from the request options `ws` hands to its
 * `createConnection`. Rule: a TLSSocket keeps (a copy of) the options it was made with for its whole
 * life; ws's default `tlsConnect` hands it the whole request options (~40 properties, the header
 * object with the apiserver credentials, the URL), about 0.9 KB of heap per idle session. Only
 * the connect and trust settings are kept here, so verification is exactly what it was: CA or
 * shared SecureContext, client certificate, `rejectUnauthorized`, `servername`.
 * SNI follows ws's own rule: an explicit `servername` wins (even ''), else the host unless it is
 * an IP literal ('' = no SNI; the certificate is then checked against the IP).
 */
export function pickTlsConnectOptions(options: Record<string, unknown>): ConnectionOptions {
  const picked: Record<string, unknown> = {};
  for (const key of CONNECT_KEYS) {
    if (options[key] !== undefined) picked[key] = options[key];
  }
  if (picked['servername'] === undefined) {
    const host = typeof options['host'] === 'string' ? options['host'] : '';
    picked['servername'] = isIP(host) !== 0 ? '' : host;
  }
  return picked;
}

/** `createConnection` for the upstream exec WebSocket over https (never used with a proxy agent: http prefers the agent). */
export function connectUpstreamTls(options: Record<string, unknown>): TLSSocket {
  return connect(pickTlsConnectOptions(options));
}
