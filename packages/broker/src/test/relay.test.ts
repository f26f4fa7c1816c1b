import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test('echo $((6*7)) prints 42 through the broker', async () => {
  const c = await h.connect();
  const hello = await c.waitForControl('hello');
  assert.equal(hello.target.pod, 'demo');
  c.stdin('echo $((6*7))\r');
  await c.waitForText(/[\r\n]42\r\n/);
  await c.close();
  await h.waitIdle();
});
