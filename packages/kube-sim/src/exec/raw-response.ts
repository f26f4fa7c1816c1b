import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpErrorStatus, serializeStatus } from '@pod-shell/protocol';

/** The `reason` the apiserver puts in a Status for an HTTP code (apimachinery's errors.go). */
export function reasonForCode(code: number): string {
  switch (code) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 409: return 'Conflict';
    case 410: return 'Gone';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return 'Unknown';
  }
}

/** An apiserver-style JSON Status body (kind/apiVersion first) for an error before any upgrade. */
export function statusBody(code: number, message: string): string {
  return serializeStatus(httpErrorStatus(code, reasonForCode(code), message));
}

/**
 * Writes a complete HTTP/1.1 response on an upgrade socket (which has no ServerResponse) and ends
 * it. `trailing` bytes go after the body (fault injection: a client must not take them for stream data).
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
  // Do not wait for the peer's FIN forever.
  const timer = setTimeout(() => socket.destroy(), 2000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** A JSON Status error before the upgrade, as the apiserver's response writer sends it. */
export function writeRawStatus(socket: Duplex, code: number, message: string, trailing?: string): void {
  writeRawResponse(socket, code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' }, statusBody(code, message), trailing);
}
