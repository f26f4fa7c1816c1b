import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { interpretStatus } from '@pod-shell/protocol';
import { upstreamAccepts, upstreamProtocols } from '../kube/exec-client.js';
import { useHarness } from './harness.js';

/**
 * The v4 fallback (issue 13 item 5): kube-sim behaving like a cluster before 1.30 / a kubelet-path proxy
 * (`maxExecProtocol: 'v4'`, no v5) still serves a whole shell session through the broker.
 */

const V4_KEY = 'GET /api/v1/namespaces/{ns}/pods/{name}/exec v4.channel.k8s.io';
const V5_KEY = 'GET /api/v1/namespaces/{ns}/pods/{name}/exec v5.channel.k8s.io';

describe('an upstream that speaks only v4.channel.k8s.io', () => {
  const harness = useHarness();

  test('a TTY shell session works end to end: output, resize, a dropped half-close, exit code 3', async () => {
    const h = harness();
    h.sim.setFaults({ maxExecProtocol: 'v4' });
    const before = h.sim.stats().requests;
    const c = await h.connect();
    await c.waitForControl('hello');
    c.stdin('echo $((6*7))\r');
    await c.waitForText(/[\r\n]42\r\n/);
    c.resize(120, 40);
    c.stdin('stty size\r');
    await c.waitForText(/[\r\n]40 120\r\n/);
    // v4 has no close channel: the broker keeps the half-close to itself and the session goes on.
    c.closeStdin();
    c.stdin('echo "still=$((40+2))"\r');
    await c.waitForText(/still=42/);
    c.stdin('exit 3\r');
    const close = await c.waitForClose();
    assert.equal(close.code, 1000);
    const outcome = interpretStatus(c.status ?? '');
    assert.equal(outcome.kind === 'exit' ? outcome.exitCode : outcome, 3);
    // The kubelet path's wording (containerd's), not v5's `command terminated with exit code 3`.
    assert.match(
      outcome.kind === 'exit' ? outcome.message : '',
      /^command terminated with non-zero exit code: error executing command \[\/bin\/sh -c .*\], exit code 3$/,
    );
    assert.equal(c.control('closing')?.exitCode, 3);
    const after = h.sim.stats().requests;
    assert.equal((after[V4_KEY] ?? 0) - (before[V4_KEY] ?? 0), 1, 'the session went over v4');
    assert.equal(after[V5_KEY] ?? 0, before[V5_KEY] ?? 0);
  });

  test('the same broker still gets v5 from a current cluster', async () => {
    const h = harness();
    const before = h.sim.stats().requests[V5_KEY] ?? 0;
    const c = await h.connect();
    await c.waitForControl('hello');
    c.stdin('exit 0\r');
    await c.waitForClose();
    assert.equal(c.control('closing')?.exitCode, 0);
    assert.equal(h.sim.stats().requests[V5_KEY], before + 1);
  });
});

describe('which subprotocols the broker offers', () => {
  test('v4 only as a fallback for a TTY; never a close frame to v4', () => {
    assert.deepEqual(upstreamProtocols({ tty: true }), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    assert.deepEqual(upstreamProtocols({ tty: false }), ['v5.channel.k8s.io']);
    assert.equal(upstreamAccepts('v4.channel.k8s.io', Uint8Array.of(255, 0)), false);
    assert.equal(upstreamAccepts('v4.channel.k8s.io', Uint8Array.of(0, 65)), true);
    assert.equal(upstreamAccepts('v5.channel.k8s.io', Uint8Array.of(255, 0)), true);
  });
});
