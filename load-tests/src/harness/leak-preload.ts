/**
 * TEST HARNESS ONLY — an injected leak, never a production setting: nothing in the broker reads it.
 * Loaded with `NODE_OPTIONS=--import=<this file>` by the load harness (`npm run load -- churn-leak
 * --leak`, and the leak test), it reproduces the bug the classic client-go web shell died of: the
 * resize handler of every closed session stays registered. Each kept handler holds its session's
 * ResizeLimiter plus ~100 KiB of JS objects allocated in `keepResizeHandler` below, so it shows up as that
 * allocation site in the pprof heap profile, and it stays counted in podshell_resize_handlers, so
 * churn-leak and podshell_leak_suspected see it.
 */
import { Session } from '../../../packages/broker/dist/session/session.js';

interface Leaky {
  id: string;
  resize: unknown;
  ctx: { gauges: { inc(kind: string): void } };
}

/** Where the leaked handlers live: module scope, so nothing ever collects them. */
const keptResizeHandlers: { session: string; limiter: unknown; onResize: () => number }[] = [];

function keepResizeHandler(session: string, limiter: unknown): void {
  // JS heap, not a Buffer: the sampling heap profiler sees V8 heap allocations only.
  const scratch = Array.from({ length: 4096 }, (_, i) => ({ row: i }));
  keptResizeHandlers.push({ session, limiter, onResize: () => scratch.length });
}

// The original method, kept to be called with the session as `this` (dispose.call below): read from its
// property descriptor and typed with that receiver, rather than held as an unbound method reference.
const dispose = Object.getOwnPropertyDescriptor(Session.prototype, 'dispose')!.value as (
  this: Session,
  info: Parameters<Session['dispose']>[0],
) => void;
Session.prototype.dispose = function leakyDispose(this: Session, info: Parameters<Session['dispose']>[0]): void {
  const self = this as unknown as Leaky;
  const limiter = self.resize;
  const wasDisposed = (this as unknown as { disposed: boolean }).disposed;
  dispose.call(this, info);
  if (wasDisposed || limiter === null || limiter === undefined) return;
  keepResizeHandler(self.id, limiter);
  // The handler was never unregistered, so the broker's own count of registered handlers keeps it.
  self.ctx.gauges.inc('resizeHandlers');
};
process.stderr.write('leak-preload: TEST-ONLY injected leak active (one resize handler kept per closed session)\n');
