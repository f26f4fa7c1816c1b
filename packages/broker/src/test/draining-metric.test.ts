import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startHarness } from './harness.js';

/** The drain-stuck alert (deploy/base/prometheusrule.yaml) reads podshell_draining. */
describe('podshell_draining', () => {
  test('podshell_draining is 0 while serving and 1 from the start of the drain', async () => {
    const h = await startHarness();
    try {
      assert.match((await h.admin('/metrics')).text, /^podshell_draining 0$/m);
      const c = await h.connect();
      await c.waitForControl('hello');
      const drained = h.broker.drain();
      assert.equal((await h.broker.metrics.draining.get()).values[0]?.value, 1);
      assert.equal((await c.waitForClose()).code, 4503);
      await drained;
    } finally {
      await h.close();
    }
  });
});
