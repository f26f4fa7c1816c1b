import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputAcks } from './output-acks.js';

test('start() opts in with an ack of 0; parsed bytes are acknowledged in batches', () => {
  const acks: number[] = [];
  const flow = new OutputAcks((n) => acks.push(n), 100);
  flow.start();
  assert.deepEqual(acks, [0], 'the first ack (0 bytes) switches the broker to the window');
  const a = flow.track(60);
  const b = flow.track(60);
  const c = flow.track(10);
  assert.equal(flow.pending, 130);
  a();
  assert.deepEqual(acks, [0], '60 parsed is below the batch and more is pending: no ack yet');
  b();
  assert.deepEqual(acks, [0, 120], '120 parsed reaches the batch of 100');
  c();
  assert.deepEqual(acks, [0, 120, 10], 'nothing pending any more: the rest is acknowledged at once');
  assert.equal(flow.pending, 0);
});

test('acks add up to exactly the bytes written, whatever the order of sizes', () => {
  const acks: number[] = [];
  const flow = new OutputAcks((n) => acks.push(n), 1000);
  flow.start();
  const sizes = [1, 4096, 999, 1000, 7, 65536, 3];
  const callbacks = sizes.map((n) => flow.track(n));
  for (const cb of callbacks) cb();
  assert.equal(
    acks.reduce((x, y) => x + y, 0),
    sizes.reduce((x, y) => x + y, 0),
  );
  assert.ok(
    acks.slice(1, -1).every((n) => n >= 1000),
    `every ack but the last is a full batch: ${acks.join(',')}`,
  );
});

test('a callback acts once, and callbacks from before reset() or start() are ignored', () => {
  const acks: number[] = [];
  const flow = new OutputAcks((n) => acks.push(n), 10);
  flow.start();
  const old = flow.track(50);
  flow.start();
  const fresh = flow.track(8);
  old();
  old();
  assert.deepEqual(acks, [0, 0], 'a stale callback acknowledges nothing for the new session');
  assert.equal(flow.pending, 8);
  fresh();
  fresh();
  assert.deepEqual(acks, [0, 0, 8]);
  flow.reset();
  assert.equal(flow.pending, 0);
  assert.throws(() => new OutputAcks(() => {}, 0), RangeError);
});
