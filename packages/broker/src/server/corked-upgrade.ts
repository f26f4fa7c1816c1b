import type { HttpResponse, us_socket_context_t, WebSocket } from 'uWebSockets.js';

/**
 * Filled by the `open` handler with the new socket, read once the upgrade's cork has closed.
 * uWS.js copies the upgrade's user data onto the WebSocket object, so a property set in `open`
 * is invisible to the caller; this holder is shared by reference instead.
 */
export interface OpeningSlot<T> {
  ws: WebSocket<T> | null;
}

export function openingSlot<T>(): OpeningSlot<T> {
  return { ws: null };
}

/**
 * Upgrades inside `res.cork()` (no "writes must be made from within a corked callback" warning)
 * and only then lets the socket start (`start` sends `hello` or the refusal).
 *
 * Rule: `open` must do nothing but record the socket in `slot`; all work on the new socket runs in
 * `start`, after the cork has closed. Why, in this uWS build (20.30, HttpResponse::cork):
 * `res.upgrade()` reallocs the socket to the smaller WebSocket size; glibc shrinks in place, so the
 * address does not change and cork's "was I upgraded?" check (`this != corkedSocket`) misses the
 * upgrade. Its epilogue then runs the HTTP keep-alive logic on the WebSocket and reads
 * `HttpResponseData::state` 196 bytes into the extension, past the shrunk allocation, in the heap
 * chunk the realloc just freed. Any allocation made before the cork returns (which `open` used to
 * do: hello, audit log, timers, metrics, upstream resume) can reuse that chunk; when its bytes
 * happen to have HTTP_CONNECTION_CLOSE set and HTTP_RESPONSE_PENDING clear, uWS calls
 * shutdown(SHUT_WR) + close on the fresh WebSocket: the client sees 1006 right after `hello`.
 * Untouched, the freed bytes still hold the ended HTTP state, which never closes. (Repro: with
 * MALLOC_PERTURB_=16 nearly every corked upgrade closed; fixed upstream in uWebSockets by
 * also comparing the socket context after the handler.)
 *
 * When the socket was closed before `start` could run, its `close` handler already ended what it
 * carried, and nothing is called. When the upgrade opened no socket at all (uWS did not call `open`:
 * the connection was already gone), no `close` will ever come either, so `noSocket` is called: it is
 * the caller's one chance to end what it prepared for the socket (a live session: its upstream, its
 * store entry), which nothing else would.
 */
export function upgradeCorked<T extends { opening: OpeningSlot<T>; closed: boolean }>(
  res: HttpResponse,
  data: T,
  secWebSocketKey: string,
  protocol: string,
  extensions: string,
  context: us_socket_context_t,
  start: (ws: WebSocket<T>) => void,
  noSocket: () => void,
): void {
  res.cork(() => {
    res.upgrade(data, secWebSocketKey, protocol, extensions, context);
  });
  const ws = data.opening.ws;
  data.opening.ws = null;
  if (ws === null) noSocket();
  else if (!ws.getUserData().closed) start(ws);
}
