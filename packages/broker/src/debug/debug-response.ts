import type { Readable } from 'node:stream';
import { redact } from '../log/logger.js';

/**
 * What every debug handler returns: plain data, no uWS types, so handlers are testable on their own
 * and the admin server decides how to write it (a string at once, a stream with backpressure).
 */
export interface DebugResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Readable;
}

/** A JSON answer. Debug output never carries a token: anything shaped like a JWT is redacted. */
export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): DebugResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: redact(JSON.stringify(value, null, 2)),
  };
}

export function errorResponse(status: number, message: string): DebugResponse {
  return jsonResponse(status, { error: message });
}
