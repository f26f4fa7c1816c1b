import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../log/logger.js';
import { MemoryTrim } from './memory-trim.js';

describe('MemoryTrim (post-peak collection)', () => {
  const logger = createLogger({ level: 'error' });
  const make = (state: { live: number; held: number }, afterSessions = 100): MemoryTrim =>
    new MemoryTrim({
      afterSessions,
      settleMs: 1000,
      liveSessions: () => state.live,
      heldResources: () => state.held,
      logger,
    });

  it('collects once the count fell far enough below its peak and sessions and resources held still', () => {
    const st = { live: 0, held: 0 };
    const trim = make(st);
    st.live = 150;
    st.held = 600;
    assert.equal(trim.check(0), false);
    st.live = 60; // only 90 below the peak
    st.held = 240;
    assert.equal(trim.check(1000), false);
    assert.equal(trim.check(5000), false);
    st.live = 40; // 110 below the peak, but the teardown is still running
    st.held = 200;
    assert.equal(trim.check(6000), false);
    st.held = 160;
    assert.equal(trim.check(6500), false);
    assert.equal(trim.check(7400), false, 'not yet settled');
    const before = process.memoryUsage().heapUsed;
    assert.ok(allocateGarbage(200_000) > 0);
    assert.equal(trim.check(7600), true);
    assert.ok(process.memoryUsage().heapUsed <= before + 1_000_000, 'the garbage was collected');
    assert.equal(trim.trims, 1);
    // The peak is reset to the live count: no second collection until a new peak falls again.
    assert.equal(trim.check(20_000), false);
    st.live = 200;
    trim.check(21_000);
    st.live = 90;
    trim.check(22_000);
    assert.equal(trim.check(23_100), true);
  });

  it('never collects when turned off', () => {
    const st = { live: 1000, held: 0 };
    const trim = make(st, 0);
    trim.check(0);
    st.live = 0;
    assert.equal(trim.check(10_000), false);
    trim.start();
    trim.stop();
  });
});

/** Allocates `n` small objects and drops them: unreachable garbage once it returns. */
function allocateGarbage(n: number): number {
  return Array.from({ length: n }, (_, i) => ({ i })).length;
}
