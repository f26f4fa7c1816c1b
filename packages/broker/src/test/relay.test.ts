import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { interpretStatus } from '@pod-shell/protocol';
import { auditEvents, useHarness } from './harness.js';

/** The relay against kube-sim's real PTY shells: bytes, resize, UTF-8 across frames, exit codes, audit. */
describe('relay through the broker', () => {
  const harness = useHarness();

  test('echo $((6*7)) prints 42', async () => {
    const h = harness();
    const c = await h.connect();
    const hello = await c.waitForControl('hello');
    assert.equal(hello.target.pod, 'demo');
    assert.equal(hello.target.namespace, 'default');
    assert.equal(c.socket.protocol, 'pod-shell.v1');
    c.stdin('echo $((6*7))\r');
    await c.waitForText(/[\r\n]42\r\n/);
    await c.close();
  });

  test('a resize to 120x40 then stty size prints 40 120', async () => {
    const h = harness();
    const c = await h.connect();
    await c.waitForControl('hello');
    c.resize(120, 40);
    c.stdin('stty size\r');
    await c.waitForText(/[\r\n]40 120\r\n/);
    await c.close();
  });

  test("printf '中文' arrives byte-exact while the simulator splits stdout inside the characters", async () => {
    const h = harness();
    h.sim.setFaults({ splitStdoutEvery: 1 });
    const c = await h.connect();
    await c.waitForControl('hello');
    c.stdin("printf '\\344\\270\\255\\346\\226\\207|\\n'\r");
    await c.waitForText('中文|');
    // Every byte of the UTF-8 text went through unchanged, even as 1-byte frames.
    assert.ok(c.stdout.includes(Buffer.from('中文|', 'utf8')));
    const oneByteFrames = c.frames.filter((f) => f[0] === 1 && f.byteLength === 2).length;
    assert.ok(oneByteFrames >= 6, `expected split frames, saw ${oneByteFrames}`);
    await c.close();
  });

  test('exit 3 gives the status frame with exit code 3, then closing and close 1000', async () => {
    const h = harness();
    const c = await h.connect();
    await c.waitForControl('hello');
    c.stdin('exit 3\r');
    const close = await c.waitForClose();
    assert.equal(close.code, 1000);
    const outcome = interpretStatus(c.status ?? '');
    assert.deepEqual(outcome.kind === 'exit' ? outcome.exitCode : outcome, 3);
    const closing = c.control('closing');
    assert.equal(closing?.code, 1000);
    assert.equal(closing?.exitCode, 3);
    // Order on the wire: status, then closing, then the close.
    assert.deepEqual(c.sequence.slice(-3), ['status', 'closing', 'close']);
  });

  test('stdin EOF ([0xFF,0]) reaches the process: cat ends and the shell exits 0', async () => {
    const h = harness();
    const c = await h.connect();
    await c.waitForControl('hello');
    c.stdin('exec cat\r');
    c.stdin('hello\r');
    await c.waitForText(/hello\r\n.*hello/s);
    c.stdin('\x04');
    const close = await c.waitForClose();
    assert.equal(close.code, 1000);
    assert.equal(c.control('closing')?.exitCode, 0);
  });

  test('every session logs exactly one session.start and one session.end, without the token (threat 17, 2)', async () => {
    const h = harness();
    const before = h.logs.length;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await h.connect({ pod: 'echo-0' });
      ids.push((await c.waitForControl('hello')).session);
      c.stdin('abc');
      await c.waitForText('abc');
      if (i === 0) c.destroy();
      else await c.close();
    }
    await h.waitIdle();
    const logs = h.logs.slice(before);
    for (const id of ids) {
      const starts = auditEvents(logs, 'session.start').filter((l) => l['session'] === id);
      const ends = auditEvents(logs, 'session.end').filter((l) => l['session'] === id);
      assert.equal(starts.length, 1, `one start for ${id}`);
      assert.equal(ends.length, 1, `one end for ${id}`);
      const end = ends[0]!;
      assert.equal(end['tenant'], 'test');
      assert.equal(end['subject'], 'alice');
      assert.equal(end['pod'], 'echo-0');
      assert.equal(end['bytesIn'], 3);
      assert.equal(end['bytesOut'], 3);
      assert.equal(typeof end['closeCode'], 'number');
      assert.equal(end['closeReason'], 'client_closed');
    }
    assert.ok(!JSON.stringify(logs).includes('eyJ'), 'no token-shaped text in the logs');
  });
});
