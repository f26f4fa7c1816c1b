import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startExecHarness, type ExecHarness } from './exec-harness.js';
import { waitFor } from './exec-wait.js';
import { parseStatus } from './http-support.js';

const SUCCESS = '{"metadata":{},"status":"Success"}';

/** Fault injection on the stream (checklist #20 needs split UTF-8; the rest feed broker tests). */
describe('exec faults', () => {
  let h: ExecHarness;
  before(async () => {
    h = await startExecHarness();
  });
  after(async () => {
    h.setFaults({});
    await h.close();
  });

  test('#20 splitStdoutEvery cuts UTF-8 characters across frames and the bytes arrive exactly', async () => {
    const text = 'héllo 中文 €uro 🎉 done\n';
    h.setFaults({ pod: 'demo', splitStdoutEvery: 2 });
    try {
      const c = h.open('demo', { command: ['printf', '%s', text], stdout: true });
      const r = await c.result();
      const out = c.frames.filter((f) => f.channel === 1 && f.payload.length > 0);
      assert.ok(out.every((f) => f.payload.length <= 2));
      assert.ok(
        out.some((f) => !isValidUtf8(f.payload)),
        'some frame holds a partial UTF-8 character',
      );
      assert.deepEqual(c.payloadOf(1), Buffer.from(text, 'utf8'));
      assert.deepEqual(r.statuses, [SUCCESS]);
    } finally {
      h.setFaults({});
    }
  });

  test('faults scoped to another pod do not apply', async () => {
    h.setFaults({ pod: 'someone-else', splitStdoutEvery: 1, dropAfterBytes: 1 });
    try {
      const c = h.open('demo', { command: ['printf', 'abcdef'], stdout: true });
      const r = await c.result();
      assert.equal(r.stdout, 'abcdef');
      assert.equal(c.frames.filter((f) => f.channel === 1 && f.payload.length > 0).length, 1);
    } finally {
      h.setFaults({});
    }
  });

  test('dropAfterBytes destroys the TCP connection after N payload bytes: no status, no close frame', async () => {
    h.setFaults({ dropAfterBytes: 10 });
    try {
      const c = h.open('demo', { command: ['sh', '-c', 'printf 0123456789abcdef; sleep 600'], stdout: true });
      const r = await c.result();
      assert.equal(r.stdout, '0123456789');
      assert.deepEqual(r.statuses, []);
      assert.equal(r.code, 1006, 'abnormal closure: the socket died without a close frame');
    } finally {
      h.setFaults({});
    }
    // The non-tty process without stdin keeps running like any orphaned exec; close() reaps it.
    await waitFor(() => h.openStreams() === 0, 'the stream to be gone');
  });

  test('stallOutput holds output and the status until cleared at run time', async () => {
    h.setFaults({ stallOutput: true });
    let cleared = false;
    try {
      const c = h.open('demo', { command: ['sh', '-c', 'echo held'], stdout: true });
      await c.opened;
      // The process finishes while its output is held.
      await waitFor(
        () => !h.processes().some((p) => p.command[0] === 'sh' && p.command[2] === 'echo held'),
        'the process to finish',
      );
      assert.equal(c.stdout(), '');
      assert.deepEqual(c.statuses(), []);
      h.setFaults({});
      cleared = true;
      const r = await c.result();
      assert.equal(r.stdout, 'held\n');
      assert.deepEqual(r.statuses, [SUCCESS]);
    } finally {
      if (!cleared) h.setFaults({});
    }
  });

  test('stdinBytesPerSecond delivers stdin slowly but completely', async () => {
    h.setFaults({ stdinBytesPerSecond: 100 });
    try {
      const c = h.open('demo', { command: ['cat'], stdin: true, stdout: true });
      await c.opened;
      const input = 'x'.repeat(49) + '\n';
      const t0 = Date.now();
      c.send(0, input);
      c.sendRaw([0xff, 0]);
      const r = await c.result();
      const elapsed = Date.now() - t0;
      assert.equal(r.stdout, input);
      assert.deepEqual(r.statuses, [SUCCESS]);
      // 50 bytes at 100 B/s in 10-byte ticks: about 400-500 ms.
      assert.ok(elapsed >= 350, `took only ${elapsed} ms`);
    } finally {
      h.setFaults({});
    }
  });
});

describe('maxExecProtocol v4 (a cluster before 1.30, or a proxy to the kubelet path)', () => {
  let h: ExecHarness;
  before(async () => {
    h = await startExecHarness({ faults: { maxExecProtocol: 'v4' } });
  });
  after(() => h.close());

  test("an offer of v5 then v4 gets v4, with the kubelet's exit status wording", async () => {
    const c = h.open('demo', { command: ['sh', '-c', 'exit 4'], stdout: true }, [
      'v5.channel.k8s.io',
      'v4.channel.k8s.io',
    ]);
    await c.opened;
    assert.equal(c.ws.protocol, 'v4.channel.k8s.io');
    const r = await c.result();
    const s = parseStatus(r.statuses[0]!);
    assert.equal(
      s.message,
      'command terminated with non-zero exit code: error executing command [sh -c exit 4], exit code 4',
    );
    assert.deepEqual(s.details?.causes, [{ reason: 'ExitCode', message: '4' }]);
  });

  test('an offer of v5 alone is refused (403, no subprotocol matched)', async () => {
    const c = h.open('demo', { command: ['true'], stdout: true }, ['v5.channel.k8s.io']);
    await assert.rejects(c.opened, /unexpected response 403/);
    assert.equal(h.counts()['GET /api/v1/namespaces/{ns}/pods/{name}/exec websocket'], 1);
  });
});

test('faults given at start apply from the first exec (startKubeSim({ faults }))', async () => {
  const h = await startExecHarness({ faults: { pod: 'demo', splitStdoutEvery: 1 } });
  try {
    const c = h.open('demo', { command: ['printf', 'abc'], stdout: true });
    const r = await c.result();
    assert.equal(r.stdout, 'abc');
    assert.deepEqual(
      c.frames.filter((f) => f.channel === 1 && f.payload.length > 0).map((f) => f.payload.toString()),
      ['a', 'b', 'c'],
    );
  } finally {
    await h.close();
  }
});

function isValidUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}
