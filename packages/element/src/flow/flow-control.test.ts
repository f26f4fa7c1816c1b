import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteFlowControl } from './flow-control.js';

test('pauses above the high watermark and resumes only below the low watermark', () => {
  const signals: boolean[] = [];
  const flow = new WriteFlowControl((paused) => signals.push(paused), { highWatermark: 100, lowWatermark: 20 });
  const done1 = flow.track(60);
  assert.deepEqual(signals, []);
  const done2 = flow.track(60);
  assert.deepEqual(signals, [true], 'crossing 100 pending bytes pauses once');
  const done3 = flow.track(10);
  assert.deepEqual(signals, [true], 'no repeated pause while paused');
  done1();
  assert.equal(flow.pending, 70);
  assert.deepEqual(signals, [true], '70 pending is still above the low watermark');
  done2();
  assert.deepEqual(signals, [true, false], '10 pending is below 20: resume');
  assert.equal(flow.paused, false);
  done3();
  assert.equal(flow.pending, 0);
  assert.deepEqual(signals, [true, false]);
});

test('a callback runs once, and callbacks from before reset() are ignored', () => {
  const signals: boolean[] = [];
  const flow = new WriteFlowControl((paused) => signals.push(paused), { highWatermark: 10, lowWatermark: 5 });
  const old = flow.track(50);
  assert.deepEqual(signals, [true]);
  flow.reset();
  assert.equal(flow.paused, false);
  const fresh = flow.track(8);
  old();
  old();
  assert.equal(flow.pending, 8, 'a stale callback does not subtract from the new session');
  fresh();
  fresh();
  assert.equal(flow.pending, 0);
  assert.deepEqual(signals, [true]);
});

test('rejects watermarks that cannot work', () => {
  assert.throws(() => new WriteFlowControl(() => {}, { highWatermark: 10, lowWatermark: 10 }), RangeError);
  assert.throws(() => new WriteFlowControl(() => {}, { highWatermark: 10, lowWatermark: -1 }), RangeError);
});
