import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { goJsonStringify } from '@pod-shell/protocol';
import type { StatusError } from './status-error.js';

/** Headers every apiserver JSON answer carries. */
const BASE_HEADERS = { 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' };

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = goJsonStringify(body);
  res.writeHead(code, { ...BASE_HEADERS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendStatus(res: ServerResponse, err: StatusError): void {
  const text = err.body();
  res.writeHead(err.httpCode, { ...BASE_HEADERS, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Answers an upgrade request (whose socket Node has detached from the HTTP server) with a plain HTTP
 * response carrying a Status body, then closes the connection.
 */
export function writeRawStatus(socket: Duplex, err: StatusError): void {
  const body = err.body();
  const head = [
    `HTTP/1.1 ${err.httpCode} ${STATUS_CODES[err.httpCode] ?? 'Error'}`,
    'Cache-Control: no-cache, private',
    'Content-Type: application/json',
    'X-Content-Type-Options: nosniff',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  if (socket.destroyed) return;
  socket.end(head + body);
}
