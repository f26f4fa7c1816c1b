import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedis, type RedisProcess } from './redis-harness.js';
import { measureLifecycles } from './store-scale.js';

/**
 * The store benchmark (bench/redis-store-scale.mjs) at a small size: what Redis does per session
 * lifecycle must not grow with the sessions the tenant already holds. Counts commands, not time, so it
 * is deterministic on a loaded machine. A prune that walks the tenant's whole sorted set again (one
 * EXISTS per held session on every acquire) fails both assertions by two orders of magnitude.
 */
describe('Redis cost per session lifecycle is flat in the tenant size', () => {
  let redis: RedisProcess;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  it('runs as many commands per acquire + release with 2,000 sessions held as with 100', async () => {
    // Heartbeat 300 s: no heartbeat, reap or audit step lands inside the measured window.
    const small = await measureLifecycles(redis.client(), {
      url: redis.url,
      held: 100,
      lifecycles: 300,
      heartbeatSeconds: 300,
    });
    const large = await measureLifecycles(redis.client(), {
      url: redis.url,
      held: 2000,
      lifecycles: 300,
      heartbeatSeconds: 300,
    });
    const ratio = large.commandsPerLifecycle / small.commandsPerLifecycle;
    assert.ok(
      ratio <= 1.05,
      `commands per lifecycle grew ${ratio.toFixed(2)}x from 100 to 2,000 held (${small.commandsPerLifecycle} → ${large.commandsPerLifecycle}): ${JSON.stringify(large.calls)}`,
    );
    assert.ok(
      large.existsPerLifecycle <= 2,
      `${large.existsPerLifecycle} EXISTS per lifecycle with 2,000 held: a walk of the tenant's set is back`,
    );
    assert.ok(large.commandsPerLifecycle <= 25, `${large.commandsPerLifecycle} commands per lifecycle`);
    assert.deepEqual(await redis.client().keys('ps:{scale-*'), [], 'every measured session released');
  });
});
