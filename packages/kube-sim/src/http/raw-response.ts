import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { StatusError } from './status-error.js';

/** How long an answered upgrade socket waits for the peer's FIN before it is destroyed. */
const PEER_FIN_WAIT_MS = 2000;

/**
 * Writes a complete HTTP/1.1 response on an upgrade socket (which has no ServerResponse) and ends
 * it. This is the only place that writes a response by hand: the HTTP side's refusals (401/403/404/400)
 * and the exec side's handshake answers (405/400/403/500, faults) both come here.
 * `trailing` bytes go after the body (fault injection: a client must not take them for stream data).
 */
export function writeRawResponse(
  socket: Duplex,
  code: number,
  headers: Record<string, string>,
  body: string,
  trailing?: string,
): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const payload = Buffer.from(body, 'utf8');
  const lines = [`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}`];
  for (const [k, v] of Object.entries({ ...headers, 'Content-Length': String(payload.length), Connection: 'close' })) {
    lines.push(`${k}: ${v}`);
  }
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (payload.length > 0) socket.write(payload);
  if (trailing) socket.write(trailing);
  socket.end();
  const timer = setTimeout(() => socket.destroy(), PEER_FIN_WAIT_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** A JSON Status error before the upgrade, with the headers the apiserver's response writer sends. */
export function writeRawStatus(socket: Duplex, err: StatusError, trailing?: string): void {
  const headers = {
    'Cache-Control': 'no-cache, private',
    'Content-Type': 'application/json',
    'X-Content-Type-Options': 'nosniff',
  };
  writeRawResponse(socket, err.httpCode, headers, err.body(), trailing);
}
