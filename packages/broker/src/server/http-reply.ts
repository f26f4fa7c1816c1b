import { STATUS_CODES } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';

/**
 * Aborted-safe HTTP replies for uWS. Every route handler the broker installs goes through
 * `guardResponse`, which registers `onAborted` first and marks the response; these helpers then
 * refuse to touch a response that was aborted or already answered (uWS crashes on either), and
 * cork the write because the reply usually happens after an await.
 *
 * Handlers must not call `res.onAborted` themselves (uWS keeps one handler; it would replace this
 * one). To learn about an abort, read `isAborted(res)` after each await.
 */
interface TrackedResponse extends HttpResponse {
  psAborted?: boolean;
  psDone?: boolean;
  psAbortHooks?: (() => void)[];
}

export function guardResponse(res: HttpResponse, onAbort?: () => void): void {
  const r = res as TrackedResponse;
  if (r.psAborted !== undefined) return;
  r.psAborted = false;
  r.psDone = false;
  res.onAborted(() => {
    r.psAborted = true;
    onAbort?.();
    for (const hook of r.psAbortHooks?.splice(0) ?? []) hook();
  });
}

/** Runs `hook` when the client aborts this (guarded) response; at once when it already did. */
export function onResponseAborted(res: HttpResponse, hook: () => void): void {
  const r = res as TrackedResponse;
  if (r.psAborted === true) hook();
  else (r.psAbortHooks ??= []).push(hook);
}

export function isAborted(res: HttpResponse): boolean {
  return (res as TrackedResponse).psAborted === true;
}

/** True when the response can still be written (not aborted, not yet ended). */
export function isWritable(res: HttpResponse): boolean {
  const r = res as TrackedResponse;
  return r.psAborted !== true && r.psDone !== true;
}

export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
}

/** Ends the response with `status`, `headers` and `body`; a no-op when it was aborted or answered. */
export function reply(
  res: HttpResponse,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): void {
  if (!isWritable(res)) return;
  (res as TrackedResponse).psDone = true;
  res.cork(() => {
    res.writeStatus(statusLine(status));
    for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    res.end(body);
  });
}

export function replyJson(
  res: HttpResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  reply(res, status, JSON.stringify(value), {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
}

export function replyText(res: HttpResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  reply(res, status, text, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
}

/** Marks a response answered by code outside these helpers (e.g. `res.upgrade`). */
export function markDone(res: HttpResponse): void {
  (res as TrackedResponse).psDone = true;
}
