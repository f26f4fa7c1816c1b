import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from './harness.js';

/**
 * The upgrade path (server/async-upgrade.ts: outside res.cork) through the whole broker: 200 authenticated
 * upgrades, 25 at a time, each must get hello and end with the client's own close (1000), never the
 * 1006 the uWS upgrade heap bug produces. Runs against the image's broker too (uWS 20.57, which
 * still has the bug: docs/runtime.md), with PODSHELL_TEST_BROKER_LAUNCHER.
 */
describe('the upgrade through the broker', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { IP_CONNECTS_PER_MINUTE: '0' } });
  });
  after(async () => {
    await h.close();
  });

  test('200 upgrades: every client gets hello, every close is 1000', { timeout: 120_000 }, async () => {
    const codes: Record<string, number> = {};
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 200) {
        next++;
        const c = await h.connect({ pod: 'echo-0', sub: `user-${next}` });
        await c.waitForControl('hello');
        const close = await c.close();
        codes[close.code] = (codes[close.code] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: 25 }, worker));
    assert.deepEqual(codes, { 1000: 200 });
    await h.waitIdle();
  });
});
