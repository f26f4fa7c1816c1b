import { connect } from 'node:tls';

export interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Everything after the header block, as received (body plus any trailing bytes), until the server closed. */
  rest: string;
}

/**
 * Sends one raw HTTP/1.1 request over TLS and reads until the server closes, so tests see exactly
 * what the server wrote (including bytes after the body, which an HTTP client would hide).
 */
export function rawHttps(url: string, ca: string, lines: { method: string; path: string; headers: Record<string, string> }): Promise<RawHttpResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port), ca, servername: u.hostname === '127.0.0.1' ? undefined : u.hostname }, () => {
      const head = [`${lines.method} ${lines.path} HTTP/1.1`, `Host: ${u.host}`, ...Object.entries(lines.headers).map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response; got ${JSON.stringify(Buffer.concat(chunks).toString())}`));
    }, 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`malformed response ${JSON.stringify(text)}`));
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of headerLines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, rest: text.slice(split + 4) });
    });
  });
}

/** The headers of a well-formed WebSocket handshake, with the bearer token. */
export function wsHeaders(token: string, protocols: string | null, extra: Record<string, string> = {}): Record<string, string> {
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
