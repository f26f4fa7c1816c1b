import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputScheduler, pieceEnd, type OutputSink, type SchedulerClock } from './output-scheduler.js';

/** A clock the test moves by hand; pending timers fire (in order, moving the time) on `fireTimers()`. */
class ManualClock implements SchedulerClock {
  time = 0;
  isHidden = false;
  timers: { at: number; fn: () => void; ms: number }[] = [];
  now = (): number => this.time;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const timer = { at: this.time + ms, fn, ms };
    this.timers.push(timer);
    return timer;
  };
  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t !== handle);
  };
  hidden = (): boolean => this.isHidden;
  fireTimers(): void {
    const due = this.timers.splice(0);
    for (const t of due) {
      this.time = Math.max(this.time, t.at);
      t.fn();
    }
  }
}

/** Like xterm: parses queued pieces later (on `flush`), each taking `costMs` of the manual clock. */
class FakeTerminal implements OutputSink {
  readonly pieces: Uint8Array[] = [];
  private queue: { piece: Uint8Array; parsed: () => void }[] = [];
  constructor(
    private readonly clock: ManualClock,
    private readonly costMs = 1,
  ) {}
  write(piece: Uint8Array, parsed: () => void): void {
    this.queue.push({ piece, parsed });
  }
  /** Runs one xterm batch: parses until the queue is empty (pieces written from callbacks included). */
  flush(): number {
    let n = 0;
    while (this.queue.length > 0) {
      const { piece, parsed } = this.queue.shift()!;
      this.pieces.push(piece);
      this.clock.time += this.costMs;
      n++;
      parsed();
    }
    return n;
  }
  get text(): string {
    return Buffer.concat(this.pieces).toString('latin1');
  }
}

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

test('pieceEnd stops after maxBytes or after maxLines line feeds, whichever comes first', () => {
  const b = bytes('a\nb\nc\nddddddddd');
  assert.equal(pieceEnd(b, 0, 100, 2), 4, 'two lines: "a\\nb\\n"');
  assert.equal(pieceEnd(b, 4, 100, 2), b.byteLength, 'one line feed left, then the rest');
  assert.equal(pieceEnd(b, 0, 3, 2), 3, 'the byte limit comes first');
  assert.equal(pieceEnd(b, 6, 4, 1), 10, 'no line feed: maxBytes');
  assert.equal(pieceEnd(bytes('\n\n\n'), 0, 10, 1), 1);
});

test('output reaches the terminal complete and in order, in pieces within both limits', () => {
  const clock = new ManualClock();
  const term = new FakeTerminal(clock, 0);
  const scheduler = new OutputScheduler(term, { maxPieceBytes: 16, maxPieceLines: 3 }, clock);
  const frames = ['y\n'.repeat(20), 'x'.repeat(50), 'mixed\nlines\nand a long tail without breaks\n'];
  const done: number[] = [];
  frames.forEach((f, i) => scheduler.push(bytes(f), () => done.push(i)));
  while (term.flush() > 0 || clock.timers.length > 0) clock.fireTimers();
  assert.equal(term.text, frames.join(''));
  for (const p of term.pieces) {
    assert.ok(p.byteLength <= 16, `piece of ${p.byteLength} bytes`);
    assert.ok(p.filter((c) => c === 0x0a).length <= 3, 'at most 3 line feeds per piece');
  }
  assert.deepEqual(done, [0, 1, 2], 'each done runs once, in order, after its last piece');
  assert.equal(scheduler.queuedBytes, 0);
});

test('while visible, a burst lasts burstMs, then the scheduler rests restMs before writing more', () => {
  const clock = new ManualClock();
  const term = new FakeTerminal(clock, 1); // every piece costs 1 ms
  const scheduler = new OutputScheduler(term, { maxPieceBytes: 4, maxPieceLines: 100, burstMs: 5, restMs: 7 }, clock);
  scheduler.push(bytes('z'.repeat(400)), () => {});
  assert.equal(term.flush(), 5, 'one xterm batch parses 5 pieces of 1 ms: the 5 ms burst');
  assert.equal(clock.timers.length, 1, 'then a rest is scheduled');
  assert.equal(clock.timers[0]!.ms, 7);
  assert.equal(term.flush(), 0, 'nothing is written during the rest');
  clock.fireTimers();
  assert.equal(term.flush(), 5, 'the next burst');
  assert.equal(scheduler.queuedBytes, 400 - 40);
});

test('in a hidden page there is no rest: the terminal gets everything in one batch', () => {
  const clock = new ManualClock();
  clock.isHidden = true;
  const term = new FakeTerminal(clock, 1);
  const scheduler = new OutputScheduler(term, { maxPieceBytes: 4, maxPieceLines: 100, burstMs: 5, restMs: 7 }, clock);
  scheduler.push(bytes('z'.repeat(400)), () => {});
  assert.equal(term.flush(), 100);
  assert.equal(clock.timers.length, 0);
});

test('clear() drops queued output, cancels the rest, and ignores the piece still in the terminal', () => {
  const clock = new ManualClock();
  const term = new FakeTerminal(clock, 1);
  const scheduler = new OutputScheduler(term, { maxPieceBytes: 4, maxPieceLines: 100, burstMs: 2, restMs: 7 }, clock);
  let oldDone = 0;
  scheduler.push(bytes('o'.repeat(40)), () => oldDone++);
  term.flush();
  assert.equal(clock.timers.length, 1);
  scheduler.clear();
  assert.equal(clock.timers.length, 0, 'the rest timer is cancelled');
  assert.equal(scheduler.queuedBytes, 0);
  let newDone = 0;
  scheduler.push(bytes('new'), () => newDone++);
  term.flush();
  assert.equal(newDone, 1, 'a new push starts at once after clear()');
  assert.equal(oldDone, 0, 'the dropped output never reports done');
  assert.ok(term.text.endsWith('new'));
});

test('an empty frame is done at once; bad limits are refused', () => {
  const clock = new ManualClock();
  const scheduler = new OutputScheduler(new FakeTerminal(clock), {}, clock);
  let done = false;
  scheduler.push(new Uint8Array(0), () => (done = true));
  assert.ok(done);
  assert.throws(() => new OutputScheduler(new FakeTerminal(clock), { maxPieceLines: 0 }, clock), RangeError);
});
