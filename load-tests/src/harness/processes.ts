import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** Polls `ok` every 200 ms until it holds; throws `why()` after `timeoutMs`. For external processes, which emit no events we can await. */
export async function waitFor(ok: () => Promise<boolean>, timeoutMs: number, why: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > end) throw new Error(why());
    await delay(200);
  }
}
