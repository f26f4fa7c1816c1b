import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
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

for (const [capacity, maxFrame] of [
  [1000, 300],
  [20_000, 9000],
] as const)
  test(`payloads that wrap around the ring and a ring that grows come back byte for byte (capacity ${capacity})`, () => {
    // A deterministic pseudo-random walk of frame sizes up to `maxFrame`: payloads straddle the ring's
    // end, and with the larger capacity the ring grows (4 → 8 → 16 → 20 KB), also after evictions moved its data off its start.
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const b = new OutputBuffer(capacity);
    const sent: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const len = 1 + rand(maxFrame);
      const f = Buffer.allocUnsafe(1 + len);
      f[0] = i % 2 === 0 ? 1 : 2;
      for (let j = 1; j <= len; j++) f[j] = rand(256);
      b.record(f, len);
      sent.push(...f.subarray(1));
      assert.equal(b.end, sent.length);
      assert.ok(b.heldBytes <= capacity, `held ${b.heldBytes}`);
      const offset = rand(sent.length + 1);
      const r = b.since(offset);
      assert.equal(r.from, Math.max(offset, b.start));
      const replayed = Buffer.concat(r.frames.map((x) => x.subarray(1)));
      assert.ok(replayed.equals(Buffer.from(sent.slice(r.from))), `frame ${i}, offset ${offset}`);
      for (const x of r.frames) assert.ok(x[0] === 1 || x[0] === 2, 'each replayed frame keeps its channel byte');
    }
  });

test('replayed frames are copies: later output does not change them', () => {
  const b = new OutputBuffer(8);
  b.record(frame('abcd'), 4);
  const before = b.since(0).frames[0]!;
  for (let i = 0; i < 5; i++) b.record(frame('wxyz'), 4);
  assert.equal(before.subarray(1).toString(), 'abcd');
});

test('a ring that grows after an eviction moved its data off its start keeps every byte', () => {
  const b = new OutputBuffer(10_000);
  const fill = (len: number, byte: number): Buffer => Buffer.concat([Buffer.from([1]), Buffer.alloc(len, byte)]);
  b.record(fill(3000, 0x61), 3000); // ring of 4 KiB
  b.record(fill(1000, 0x62), 1000); // held 4,000: still fits
  b.record(fill(7000, 0x63), 7000); // evicts the first frame; the ring grows with the second one at 3,000
  const out = Buffer.concat(b.since(0).frames.map((f) => f.subarray(1)));
  assert.ok(out.equals(Buffer.concat([Buffer.alloc(1000, 0x62), Buffer.alloc(7000, 0x63)])));
  assert.equal(b.start, 3000);
});

test('recording allocates no Buffer once the ring has its size (a relay flood must not feed the collector)', () => {
  // A new Buffer per recorded frame lived long enough to be promoted and counted against V8's old
  // generation: a resumable flood ran 5–6 full collections per 150 MB (docs/benchmarks.md).
  const b = new OutputBuffer(64 * 1024);
  const frames = Array.from({ length: 200 }, (_, i) => frame(String(i % 10).repeat(1000 + (i % 7) * 300)));
  for (const f of frames.slice(0, 100)) b.record(f, f.length - 1); // the ring reaches its capacity
  const spies = (['allocUnsafe', 'alloc', 'from', 'concat'] as const).map((m) => mock.method(Buffer, m));
  try {
    for (const f of frames.slice(100)) b.record(f, f.length - 1);
  } finally {
    mock.restoreAll();
  }
  const calls = spies.reduce((n, s) => n + s.mock.callCount(), 0);
  assert.equal(calls, 0, 'Buffers allocated while recording 100 frames');
  assert.equal(b.heldBytes <= 64 * 1024, true);
});
