import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputBuffer } from './output-buffer.js';

const frame = (text: string): Buffer => Buffer.concat([Buffer.from([1]), Buffer.from(text)]);
const payload = (frames: Buffer[]): string => frames.map((f) => f.subarray(1).toString()).join('');

test('replays exactly the bytes after the offset, cutting the first frame', () => {
  const b = new OutputBuffer(1024);
  for (const t of ['hello ', 'world', '!']) b.record(frame(t), t.length);
  assert.equal(b.end, 12);
  const r = b.since(3);
  assert.deepEqual({ from: r.from, skipped: r.skipped, bytes: r.bytes }, { from: 3, skipped: 0, bytes: 9 });
  assert.equal(payload(r.frames), 'lo world!');
  assert.equal(r.frames[0]![0], 1, 'the cut frame keeps its channel byte');
  assert.deepEqual(b.since(12).frames, []);
  assert.equal(payload(b.since(6).frames), 'world!');
});

test('evicts whole frames past the capacity and reports the bytes lost', () => {
  const b = new OutputBuffer(10);
  for (let i = 0; i < 5; i++) b.record(frame('abcd'), 4); // 20 bytes recorded, 8 kept (2 frames)
  assert.equal(b.heldBytes, 8);
  assert.equal(b.start, 12);
  const r = b.since(5);
  assert.equal(r.from, 12);
  assert.equal(r.skipped, 7);
  assert.equal(payload(r.frames), 'abcdabcd');
});

test('the newest frame stays even when it alone is over the capacity', () => {
  const b = new OutputBuffer(4);
  b.record(frame('x'.repeat(9)), 9);
  assert.equal(payload(b.since(0).frames), 'x'.repeat(9));
});

test('an offset past what was sent is refused', () => {
  const b = new OutputBuffer(16);
  b.record(frame('ab'), 2);
  assert.throws(() => b.since(3), RangeError);
});

test('many small frames keep the bookkeeping bounded', () => {
  const b = new OutputBuffer(100);
  for (let i = 0; i < 10_000; i++) b.record(frame('z'), 1);
  assert.equal(b.heldBytes, 100);
  assert.equal(b.since(0).skipped, 9_900);
  assert.equal(b.since(0).frames.length, 100);
});
