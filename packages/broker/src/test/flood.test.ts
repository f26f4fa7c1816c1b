import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Session } from '../session/session.js';
import { startHarness, type Harness } from './harness.js';

const HIGH = 64 * 1024;
const LIMIT = 2 * 1024 * 1024;
const WINDOW = 128 * 1024;
/** What may still arrive after the pause: ws emits what it already read (≤ one socket read + one frame). */
const OVERSHOOT = 256 * 1024;

function sessionInfo(h: Harness): ReturnType<Session['info']> {
  const s = h.broker.sessions.list();
  assert.equal(s.length, 1);
  return s[0]!.info();
}

/** Polls the session's pause reasons (no event exists for it) until `reason` is among them. */
async function waitPaused(h: Harness, reason: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(sessionInfo(h)['paused'] as string[]).includes(reason)) {
    assert.ok(Date.now() < deadline, `the upstream was paused for ${reason}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Reads `read()` every 100 ms, `count` times: a steady state shows as equal first and last samples. */
async function sampleEvery100ms(count: number, read: () => number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    await new Promise((r) => setTimeout(r, 100));
    samples.push(read());
  }
  return samples;
}

/** Threat 13: output flood to a slow client. Memory per session stays bounded; Ctrl-C still lands at once. */
describe('flood and flow control', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      env: {
        BACKPRESSURE_HIGH_BYTES: String(HIGH),
        BACKPRESSURE_LIMIT_BYTES: String(LIMIT),
        CLIENT_WINDOW_BYTES: String(WINDOW),
      },
    });
  });
  afterEach(async () => {
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  test('`yes` to a client that stops reading: the upstream pauses, buffered bytes stay bounded; Ctrl-C stops it within 1 s', async (t) => {
    const c = await h.connect();
    await c.waitForControl('hello');
    c.stdin('stty -echoctl; PS1="PROMPT> "\r');
    await c.waitForText('PROMPT> ');
    c.stdin('yes\r');
    await c.waitUntil(() => c.stdoutBytes > 1_000_000, '1 MB of y');
    c.socket.pause(); // the client stops reading: the broker's socket to it backs up
    await waitPaused(h, 'backpressure');
    // Steady state: nothing keeps growing while the client does not read.
    const samples = await sampleEvery100ms(10, () => sessionInfo(h)['clientBufferedBytes'] as number);
    const max = Math.max(...samples);
    assert.ok(max <= HIGH + OVERSHOOT, `buffered toward the client: max ${max} bytes (bound ${HIGH + OVERSHOOT})`);
    assert.equal(samples[samples.length - 1], samples[0], 'no growth while paused');
    assert.ok(h.broker.metrics.backpressurePauses, 'counter exists');
    // Resume reading, interrupt: the output stops within a second.
    c.socket.resume();
    c.stdin('\x03');
    const sent = Date.now();
    await c.waitUntil(() => /PROMPT> $/.test(c.tail(64)), 'the prompt after Ctrl-C', 5000);
    const took = Date.now() - sent;
    assert.ok(took < 1000, `Ctrl-C took ${took} ms to stop the output`);
    t.diagnostic(`max buffered toward the client while paused: ${max} bytes; Ctrl-C to prompt: ${took} ms`);
    const metrics = await h.admin('/metrics');
    assert.match(metrics.text, /podshell_backpressure_pauses_total [1-9]/);
    await c.close();
  });

  test('ack window: an acking client never has more than CLIENT_WINDOW_BYTES unacknowledged, acks resume the output, Ctrl-C lands at once', async (t) => {
    const c = await h.connect();
    await c.waitForControl('hello');
    c.stdin('stty -echoctl; PS1="PROMPT> "\r');
    await c.waitForText('PROMPT> ');
    c.ack(c.stdoutBytes); // opts in, everything so far consumed
    let acked = c.stdoutBytes;
    c.stdin('yes\r');
    await waitPaused(h, 'window');
    // The client reads everything (no socket backpressure), yet output stops near the window.
    const samples = await sampleEvery100ms(5, () => c.stdoutBytes);
    const inFlight = samples[samples.length - 1]! - acked;
    assert.ok(
      inFlight <= WINDOW + OVERSHOOT,
      `unacknowledged output received: ${inFlight} bytes (bound ${WINDOW + OVERSHOOT})`,
    );
    assert.equal(samples[samples.length - 1], samples[0], 'nothing more arrives until the client acks');
    assert.equal(
      sessionInfo(h)['unacknowledgedBytes'],
      c.stdoutBytes - acked,
      'the broker counts exactly the payload bytes sent',
    );
    assert.equal(sessionInfo(h)['clientBufferedBytes'], 0, 'paused by the window, not by socket backpressure');

    // Acknowledging resumes the output.
    const before = c.stdoutBytes;
    c.ack(before - acked);
    acked = before;
    await c.waitUntil(() => c.stdoutBytes > before + WINDOW / 4, 'more output after the ack');

    // A terminal that keeps up: Ctrl-C gives the prompt back within a second.
    c.autoAck();
    c.ack(c.stdoutBytes - acked);
    c.stdin('\x03');
    const sent = Date.now();
    await c.waitUntil(() => /PROMPT> $/.test(c.tail(64)), 'the prompt after Ctrl-C', 5000);
    const took = Date.now() - sent;
    assert.ok(took < 1000, `Ctrl-C took ${took} ms to stop the output`);
    t.diagnostic(`unacknowledged output received while paused: ${inFlight} bytes; Ctrl-C to prompt: ${took} ms`);
    await c.close();
  });

  test('an ack of more output than was sent closes the session with 4400 bad_frame', async () => {
    const c = await h.connect({ pod: 'echo-0' });
    await c.waitForControl('hello');
    c.ack(0);
    c.stdin('abc');
    await c.waitForText('abc');
    c.ack(c.stdoutBytes + 1);
    const closed = await c.waitForClose();
    assert.equal(closed.code, 4400);
    const closing = c.control('closing');
    assert.equal(closing?.reason, 'bad_frame');
    assert.match(closing?.message ?? '', /ack of \d+ bytes exceeds the \d+ output bytes not yet acknowledged/);
  });

  test('flow frames pause and resume the upstream', async () => {
    const c = await h.connect({ pod: 'echo-0' });
    await c.waitForControl('hello');
    c.flow(true);
    await waitPaused(h, 'flow', 5000);
    c.stdin('held');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!c.text.includes('held'), 'no output while paused');
    c.flow(false);
    await c.waitForText('held');
    await c.close();
  });
});
