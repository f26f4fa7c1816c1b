import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import { churnRound, memorySample, startChurnBroker, trimCount, trimmed, type ChurnBroker } from './churn-memory.js';
import { ADMIN_TOKEN, simFixture } from './harness.js';
import { readFileSync } from 'node:fs';
import { jemallocInstalled, rssAfterPeakBound, SHIPPED_RUNTIME_ENV } from './runtime-env.js';

/**
 * Memory comes back after a peak (bench/memory-after-peak.mjs at a small size): rounds of sessions
 * opened and closed on one broker process running with the runtime environment the image ships; after
 * each round's post-peak trim, the JS heap is within 5 % of the pre-run baseline and RSS within the
 * documented bound (docs/operations.md, "Memory after a peak"). Without the trim the heap stays at its
 * peak (nothing allocates in an idle broker, so V8 never collects) and the heap assertion fails; with
 * glibc malloc instead of the shipped jemalloc settings, RSS climbs with every peak.
 */
describe('memory after a peak', () => {
  let sim: KubeSim;
  let broker: ChurnBroker;
  before(async () => {
    sim = await startKubeSim({ fixtures: simFixture() });
    broker = await startChurnBroker(
      sim,
      { ...SHIPPED_RUNTIME_ENV, MEMORY_TRIM_AFTER_SESSIONS: '100', MEMORY_TRIM_SETTLE_MS: '1000' },
      600,
    );
  });
  after(async () => {
    await broker.stop();
    await sim.close();
  });

  it('documents exactly the runtime environment the test runs with', () => {
    const doc = readFileSync(new URL('../../../../docs/operations.md', import.meta.url), 'utf8');
    for (const [k, v] of Object.entries(SHIPPED_RUNTIME_ENV))
      assert.ok(doc.includes(`${k}=${v}`), `docs/operations.md names ${k}=${v}`);
    assert.ok(jemallocInstalled(), 'libjemalloc2 is installed (.ci/run installs it)');
  });

  it('returns the JS heap to its baseline and RSS to within the bound after repeated peaks', async () => {
    let seen = trimCount(broker);
    const warm = trimmed(broker, seen);
    await churnRound(broker, ROUND); // warm-up round: code on the session paths compiled, one trim
    await warm;
    seen = trimCount(broker);
    const base = await memorySample(broker);
    for (let round = 1; round <= 3; round++) {
      const done = trimmed(broker, seen);
      const peak = await churnRound(broker, ROUND);
      await done;
      seen = trimCount(broker);
      const m = await memorySample(broker);
      const report = `round ${round}: heap ${mb(base.heapUsed)} → peak ${mb(peak.heapUsed)} → ${mb(m.heapUsed)} MB, rss ${mb(base.rss)} → peak ${mb(peak.rss)} → ${mb(m.rss)} MB`;
      assert.equal(m.sessions, 0, report);
      assert.ok(m.heapUsed <= base.heapUsed * 1.05, `JS heap not back within 5 % of the baseline: ${report}`);
      assert.ok(m.rss - base.rss <= rssAfterPeakBound(ROUND), `RSS not back within the bound: ${report}`);
    }
    const res = (await (
      await fetch(`http://127.0.0.1:${broker.process.adminPort}/debug/resources`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
    ).json()) as { gauges: Record<string, number> };
    for (const [k, v] of Object.entries(res.gauges)) assert.equal(v, 0, `${k} back to zero`);
  });
});

const ROUND = 500;
const mb = (x: number): string => (x / 1048576).toFixed(1);
