import type { ServerResponse } from 'node:http';
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
  res.writeHead(code, {
    ...BASE_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, err: StatusError): void {
  const text = err.body();
  res.writeHead(err.httpCode, {
    ...BASE_HEADERS,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
