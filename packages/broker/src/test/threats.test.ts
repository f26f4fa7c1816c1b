import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Channel, encodeFrame } from '@pod-shell/protocol';
import { TestClient, UpgradeRefused } from './client.js';
import { ADMIN_TOKEN, startHarness, TEST_ORIGIN, type Harness } from './harness.js';

async function refused(p: Promise<TestClient>): Promise<UpgradeRefused> {
  try {
    const c = await p;
    c.destroy();
  } catch (err) {
    if (err instanceof UpgradeRefused) return err;
    throw err;
  }
  assert.fail('expected the upgrade to be refused, but it got a 101');
}

/** Threats 1, 2, 13–15 (docs/security.md): refusals before any socket, frame checks, limits. */
describe('threat defences at the broker edge', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ testTenant: { limits: { maxConcurrentSessions: 3 } }, env: { RESIZE_PER_SECOND: '20' } });
  });
  afterEach(async () => {
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  test('threat 1: foreign origins are refused with 403 before any socket', async () => {
    for (const origin of ['https://evil.test', 'https://app.example.com.evil.test']) {
      const err = await refused(h.connect({ origin }));
      assert.equal(err.status, 403, origin);
      assert.match(err.body, /origin/i);
    }
    assert.equal(h.broker.gauges.value('clientSockets'), 0);
    assert.equal(h.sim.stats().openExecStreams, 0);
  });

  test('a bad or missing token gets only closing + 4401 (browsers cannot read a 401); nothing is created for it', async () => {
    const execsBefore = Object.values(h.sim.stats().requests).reduce((a, b) => a + b, 0);
    for (const c of [
      await h.connect({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad' }),
      await TestClient.connect(h.url, { origin: TEST_ORIGIN }),
    ]) {
      const close = await c.waitForClose();
      assert.equal(close.code, 4401);
      assert.deepEqual(c.sequence, ['closing', 'close'], 'no hello, no data: only the refusal');
      assert.equal(c.control('closing')?.code, 4401);
    }
    const execsAfter = Object.values(h.sim.stats().requests).reduce((a, b) => a + b, 0);
    assert.equal(execsAfter, execsBefore, 'no upstream request for an unauthenticated client');
    assert.equal(await h.broker.store.count('test'), 0);
    assert.equal(h.broker.gauges.value('sessionTimers'), 0);
  });

  test('threat 2: a token in the URL is ignored; the answer never echoes the token subprotocol', async () => {
    const token = h.token();
    const inUrl = await TestClient.connect(`${h.url}?token=${token}&access_token=${token}`, { origin: TEST_ORIGIN });
    assert.equal((await inUrl.waitForClose()).code, 4401);
    const c = await h.connect({ pod: 'echo-0', token });
    assert.equal(c.socket.protocol, 'pod-shell.v1');
    await c.close();
    const viaHeader = await h.connect({ pod: 'echo-0', authorizationHeader: true });
    await viaHeader.waitForControl('hello');
    await viaHeader.close();
  });

  test('a client that does not offer pod-shell.v1 is refused with 400', async () => {
    const err = await refused(
      TestClient.connect(h.url, { origin: TEST_ORIGIN, protocols: [`pod-shell.bearer.${h.token()}`] }),
    );
    assert.equal(err.status, 400);
  });

  test('threat 14: a 1 MB frame closes the socket with 1009', async () => {
    const c = await h.connect({ pod: 'echo-0' });
    await c.waitForControl('hello');
    c.send(encodeFrame(Channel.Stdin, new Uint8Array(1024 * 1024)));
    const close = await c.waitForClose();
    assert.equal(close.code, 1009);
  });

  test('threat 14: an unknown channel, a text frame and a bad resize close with 4400', async () => {
    const bad: Array<(c: TestClient) => void> = [
      (c) => c.send(Uint8Array.of(7, 1, 2, 3)),
      (c) => c.socket.send('hello', { binary: false }),
      (c) => c.send(encodeFrame(Channel.Resize, '{"Width":0,"Height":10}')),
      (c) => c.send(encodeFrame(Channel.Resize, '{"Width":80.5,"Height":10}')),
      (c) => c.send(Uint8Array.of(Channel.Close, 1)),
      (c) => c.send(encodeFrame(Channel.Control, '{"type":"nope"}')),
    ];
    for (const send of bad) {
      const c = await h.connect({ pod: 'echo-0' });
      await c.waitForControl('hello');
      send(c);
      const close = await c.waitForClose();
      assert.equal(close.code, 4400);
      assert.equal(c.control('closing')?.code, 4400);
    }
  });

  test('threat 14: 10k resizes per second are throttled, the last size wins, nothing crashes', async () => {
    const c = await h.connect({ pod: 'echo-0' });
    await c.waitForControl('hello');
    for (let i = 0; i < 10_000; i++) c.resize(10 + (i % 900), 10 + (i % 50));
    c.resize(77, 33);
    await c.waitForText('[resized to 77x33]');
    const forwarded = (c.text.match(/\[resized to/g) ?? []).length;
    assert.ok(forwarded <= 25, `resizes forwarded: ${forwarded} (limit 20/s plus the trailing one)`);
    const info = h.broker.sessions.list()[0]!.info();
    assert.ok((info['resizeDropped'] as number) > 9000);
    const metrics = await h.admin('/metrics');
    const droppedTotal = Number(/^podshell_resizes_dropped_total (\d+)$/m.exec(metrics.text)?.[1]);
    assert.equal(droppedTotal, info['resizeDropped'], 'the dropped resizes are visible to operators as a metric');
    await c.close();
  });

  test('threat 15: the N+1th session of a tenant closes with 4429', async () => {
    const open = [];
    for (let i = 0; i < 3; i++) {
      const c = await h.connect({ pod: 'echo-0' });
      await c.waitForControl('hello');
      open.push(c);
    }
    const extra = await h.connect({ pod: 'echo-0' });
    const close = await extra.waitForClose();
    assert.equal(close.code, 4429);
    assert.equal(extra.control('closing')?.reason, 'quota_exceeded');
    for (const c of open) await c.close();
  });

  test('the admin port refuses requests without the admin token', async () => {
    const res = await fetch(`http://127.0.0.1:${h.broker.adminPort}/metrics`);
    assert.equal(res.status, 401);
    const wrong = await fetch(`http://127.0.0.1:${h.broker.adminPort}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}x` },
    });
    assert.equal(wrong.status, 401);
    const ok = await h.admin('/metrics');
    assert.equal(ok.status, 200);
    assert.match(ok.text, /podshell_sessions_active 0/);
    assert.match(ok.text, /podshell_auth_failures_total\{reason="origin_forbidden"\} 2/);
  });
});
