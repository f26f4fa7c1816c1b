import type { Terminal } from '@xterm/xterm';

/**
 * xterm 6.0 moves its scrollbar synchronously on every line the buffer scrolls
 * (`Viewport` listens to `onScroll` with `_sync()`). While the scrollback is still filling, each of
 * those calls changes the scroll height, re-lays out the scrollbar and re-arms its fade-out timer
 * (a clearTimeout/setTimeout pair): `yes` spent most of its first second there, in tasks of
 * 100–250 ms. Upstream tracks it as xtermjs/xterm.js#6106 and #6102; xterm 3.x fixed the same
 * problem once by syncing in an animation frame (#1607), which is what this restores.
 *
 * `coalesceViewportSync` makes the per-line sync wait for xterm's next render frame (one sync per
 * frame, done by xterm's own render service). Syncs that carry an explicit position (resize,
 * buffer switch, scrollToLine) still run at once. It reaches into xterm's private objects, so it
 * checks what it needs and does nothing if they are not there; the element's browser tests fail
 * if it stops applying (an xterm upgrade must then re-check the upstream issue).
 */

interface RenderServiceLike {
  addRefreshCallback(callback: () => void): number;
}

interface ViewportLike {
  _sync(ydisp?: number): void;
  _renderService?: RenderServiceLike;
}

/** Returns true when the per-line sync now runs once per frame, false when xterm's internals differ. */
export function coalesceViewportSync(term: Terminal): boolean {
  const viewport = (term as unknown as { _core?: { _viewport?: Partial<ViewportLike> } })._core?._viewport;
  if (
    !viewport ||
    typeof viewport._sync !== 'function' ||
    typeof viewport._renderService?.addRefreshCallback !== 'function'
  ) {
    return false;
  }
  const syncNow = viewport._sync.bind(viewport);
  const renderService = viewport._renderService;
  let queued = false;
  viewport._sync = (ydisp?: number): void => {
    if (ydisp !== undefined) {
      syncNow(ydisp);
      return;
    }
    if (queued) return;
    queued = true;
    renderService.addRefreshCallback(() => {
      queued = false;
      syncNow();
    });
  };
  return true;
}
