import type { HttpResponse, us_socket_context_t, WebSocket } from 'uWebSockets.js';

/**
 * Filled by the `open` handler with the new socket, read once `res.upgrade()` has returned.
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
 * Completes an upgrade that was answered asynchronously (after authentication and the upstream
 * dial), then lets the socket start (`start` sends `hello` or the refusal).
 *
 * Rule 1: never call `res.upgrade()` inside `res.cork()` (uWebSockets.js 20.30 and 20.57 alike).
 * Its HttpResponse::cork epilogue decides "was I upgraded?" with `this != corkedSocket`, but the
 * upgrade reallocs the socket to the smaller WebSocket size and glibc shrinks it in place, so the
 * address is unchanged and the check misses the upgrade. The epilogue then reads the HTTP
 * `state` of a response that no longer exists, from the heap chunk the shrink just freed, and when
 * those bytes happen to read "connection close, nothing pending" it calls shutdown + close on the
 * fresh WebSocket: the client sees 1006 right after the 101 (before or just after `hello`). What the
 * freed bytes hold depends on the allocator's state (tcache/bin metadata, earlier traffic), not on
 * anything the broker controls: with MALLOC_PERTURB_=16 (glibc fills freed memory with 0x10, the
 * "connection close" bit) 169 of 200 corked upgrades closed even though `open` allocated nothing.
 * The 20.57 build the image ships still has it: 88 of 400 corked upgrades closed before `hello` under
 * MALLOC_PERTURB_=16 (glibc), 0 of 400 uncorked (docs/operations.md has the measurement).
 * Uncorked, uWS writes the 101 response straight to the socket (a few small writes) and no epilogue
 * runs at all. The cost: the addon prints "uWS.HttpResponse writes must be made from within a
 * corked callback" to stderr for each upgrade (docs/operations.md).
 *
 * Rule 2: `open` does nothing but record the socket in `slot`; all work on the new socket runs in
 * `start`, after `res.upgrade()` returned (no broker code runs inside the native upgrade call).
 *
 * When the socket was closed before `start` could run, its `close` handler already ended what it
 * carried, and nothing is called. When the upgrade opened no socket at all (uWS did not call `open`:
 * the connection was already gone), no `close` will ever come either, so `noSocket` is called: it is
 * the caller's one chance to end what it prepared for the socket (a live session: its upstream, its
 * store entry), which nothing else would.
 */
export function upgradeThenStart<T extends { opening: OpeningSlot<T>; closed: boolean }>(
  res: HttpResponse,
  data: T,
  secWebSocketKey: string,
  protocol: string,
  extensions: string,
  context: us_socket_context_t,
  start: (ws: WebSocket<T>) => void,
  noSocket: () => void,
): void {
  res.upgrade(data, secWebSocketKey, protocol, extensions, context);
  const ws = data.opening.ws;
  data.opening.ws = null;
  if (ws === null) noSocket();
  else if (!ws.getUserData().closed) start(ws);
}
