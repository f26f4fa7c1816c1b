import { parseRaw, rawUpgrade } from './http-support.js';

export interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Everything after the header block, as received (body plus any trailing bytes), until the server closed. */
  rest: string;
}

/**
 * One raw HTTP/1.1 request over TLS, read until the server closes, so tests see exactly what the
 * server wrote (including bytes after the body, which an HTTP client would hide). Headers as a record.
 */
export async function rawHttps(
  url: string,
  ca: string,
  lines: { method: string; path: string; headers: Record<string, string> },
): Promise<RawHttpResponse> {
  const headerLines = Object.entries(lines.headers).map(([k, v]) => `${k}: ${v}`);
  const r = parseRaw(await rawUpgrade({ url, caCert: ca }, lines.path, headerLines, lines.method));
  return { status: r.status, headers: r.headers, rest: r.body };
}

/** The headers of a well-formed WebSocket handshake, with the bearer token. */
export function wsHeaders(
  token: string,
  protocols: string | null,
  extra: Record<string, string> = {},
): Record<string, string> {
  const h: Record<string, string> = {
    Authorization: `Bearer ${token}`,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
  };
  if (protocols !== null) h['Sec-WebSocket-Protocol'] = protocols;
  return { ...h, ...extra };
}
