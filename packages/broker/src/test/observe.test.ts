import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCode, type ServerControlMessage } from '@pod-shell/protocol';
import { mintToken } from '../auth/token-mint.js';
import { ErrorCode } from '../errors.js';
import { TestClient, UpgradeRefused } from './client.js';
import { isAuditEvent } from '../log/logger.js';
import { TEST_ORIGIN, tenantDoc, useHarness, type Harness } from './harness.js';

/** Bytes of unsent output past which an observer is dropped: BACKPRESSURE_HIGH_BYTES + the tenant's resumeBufferBytes. */
const HIGH = 64 * 1024;
const RECENT = 8 * 1024;

/** Read-only observers (issue 12 item 4): watch a live session on the same replica. */
describe('observers: watch a live session read-only', () => {
  const harness = useHarness({
    env: { BACKPRESSURE_HIGH_BYTES: String(HIGH) },
    testTenant: { observers: true, limits: { resumeBufferBytes: RECENT } },
    tenants: [
      tenantDoc({ name: 'other', issuer: 'https://other.example', observers: true }),
      tenantDoc({ name: 'closed', issuer: 'https://closed.example' }),
      tenantDoc({
        name: 'capped',
        issuer: 'https://capped.example',
        observers: true,
        limits: { maxObserversPerSession: 2 },
      }),
    ],
  });

  function observerToken(h: Harness, sessionId: string, tenant = 'test', sub = 'bob'): string {
    return mintToken({ tenant: h.tenants.find((t) => t.name === tenant)!, sub, observe: sessionId, ttlSeconds: 600 });
  }
  function watch(h: Harness, token: string, origin = TEST_ORIGIN): Promise<TestClient> {
    return TestClient.connect(h.url, { origin, token, observe: true });
  }
  const counts = (c: TestClient): number[] =>
    c.controls
      .filter((m): m is Extract<ServerControlMessage, { type: 'observers' }> => m.type === 'observers')
      .map((m) => m.count);
  const lastCount = (c: TestClient): number | undefined => counts(c).at(-1);

  test('an observer gets hello (observer, target), the recent output first, then what the owner types; the owner gets the count', async () => {
    const h = harness();
    const owner = await h.connect();
    const hello = await owner.waitForControl('hello');
    owner.stdin('echo before-$((6*7))\r');
    await owner.waitForText('before-42');

    const eve = await watch(h, observerToken(h, hello.session));
    const seen = await eve.waitForControl('hello');
    assert.equal(seen.observer, true);
    assert.equal(seen.session, hello.session);
    assert.deepEqual(seen.target, hello.target);
    assert.equal(seen.resume, undefined, 'an observer gets no resume credential');
    assert.equal(eve.sequence[0], 'hello', 'hello comes first');
    await eve.waitForText('before-42'); // from the recent-output buffer: typed before the observer came
    await owner.waitUntil(() => lastCount(owner) === 1, 'the owner told 1 watcher');
    assert.equal(h.broker.gauges.value('observers'), 1);

    owner.stdin('echo live-$((5*5))\r');
    await eve.waitForText('live-25');

    const debug = await h.admin('/debug/sessions');
    assert.equal(debug.status, 200);
    assert.match(debug.text, /"observers": ?\[\s*\{\s*"subject": ?"bob"/);
    // The admin API lists sessions from the store, any replica's: with their observer count.
    const listed = JSON.parse((await h.admin('/admin/sessions?tenant=test')).text) as {
      sessions: Array<{ id: string; observers?: number }>;
    };
    assert.equal(listed.sessions.find((x) => x.id === hello.session)?.observers, 1);

    await eve.close();
    await owner.waitUntil(() => lastCount(owner) === 0, 'the owner told 0 watchers');
    // Who watched, and until when, is in the audit trail (never filtered by level, never dropped).
    const watched = h.logs.filter(
      (l) => l['session'] === hello.session && String(l['event']).startsWith('session.observer'),
    );
    assert.deepEqual(
      watched.map((l) => [l['event'], l['observer']]),
      [
        ['session.observer_attached', 'bob'],
        ['session.observer_left', 'bob'],
      ],
    );
    assert.ok(watched.every((l) => isAuditEvent(String(l['event']))));
    assert.deepEqual(counts(owner), [1, 0]);
    await owner.close();
    await h.waitIdle();
    assert.equal(h.broker.gauges.value('observers'), 0);
  });

  test('an observer cannot type, resize or refresh: each is refused with PS_ERR_OBSERVER_READ_ONLY, the owner is unaffected', async () => {
    const h = harness();
    const owner = await h.connect();
    const hello = await owner.waitForControl('hello');
    const eve = await watch(h, observerToken(h, hello.session));
    await eve.waitForControl('hello');
    eve.stdin('echo typed-by-$((100+11))\r');
    eve.resize(20, 5);
    eve.refresh(h.token());
    await eve.waitUntil(() => eve.controls.filter((m) => m.type === 'error').length === 3, 'three refusals');
    for (const m of eve.controls.filter((c) => c.type === 'error'))
      assert.equal((m as { code: string }).code, ErrorCode.OBSERVER_READ_ONLY);
    // The owner's shell still answers, and never saw the observer's input.
    owner.stdin('echo owner-$((2+3))\r');
    await owner.waitForText('owner-5');
    await eve.waitForText('owner-5');
    assert.doesNotMatch(owner.text, /typed-by/);
    assert.doesNotMatch(eve.text, /typed-by/);
    assert.equal(owner.closeEvent, null);
    assert.equal(eve.closeEvent, null, 'a few refusals do not close the observer');
    // Persisting (over 10 refused frames) closes the observer only.
    for (let i = 0; i < 10; i++) eve.stdin('x');
    assert.equal((await eve.waitForClose()).code, CloseCode.BadRequest);
    owner.stdin('echo still-$((3+4))\r');
    await owner.waitForText('still-7');
    await owner.close();
  });

  test('a stalled observer (never reads) is dropped with a metric; the owner keeps its full output rate and echo', async (t) => {
    const h = harness();
    const owner = await h.connect();
    const hello = await owner.waitForControl('hello');
    owner.stdin('stty -echoctl; PS1="PROMPT> "\r');
    await owner.waitForText('PROMPT> ');
    owner.autoAck();
    const eve = await watch(h, observerToken(h, hello.session));
    await eve.waitForControl('hello');
    await owner.waitUntil(() => lastCount(owner) === 1, 'the owner told 1 watcher');
    eve.socket.pause(); // the observer stops reading: only its own socket backs up
    const before = owner.stdoutBytes;
    owner.stdin('yes\r');
    await owner.waitUntil(() => lastCount(owner) === 0, 'the stalled observer to be dropped', 60_000);
    const passed = owner.stdoutBytes - before;
    t.diagnostic(`owner output while the observer stalled, until it was dropped: ${passed} bytes`);
    owner.stdin('\x03');
    await owner.waitUntil(() => /PROMPT> $/.test(owner.tail(64)), 'the prompt after Ctrl-C', 10_000);
    owner.stdin('echo ok-$((1+1))\r');
    await owner.waitForText('ok-2');
    const info = h.broker.sessions.get(hello.session)!.info();
    assert.deepEqual(info['observers'], []);
    assert.deepEqual(info['paused'], [], 'the owner is not paused by anything');
    const metrics = await h.admin('/metrics');
    assert.match(metrics.text, /podshell_observers_dropped_total\{reason="slow"\} 1/);
    eve.destroy();
    await owner.close();
    await h.waitIdle();
    assert.equal(h.broker.gauges.value('observers'), 0);
  });

  test('refused: another tenant, an unknown session, a tenant without observers (4412); a bad origin (403); an observer token cannot open a shell (4401)', async () => {
    const h = harness();
    const owner = await h.connect();
    const hello = await owner.waitForControl('hello');
    const closedOwner = await h.connect({ tenant: 'closed' });
    const closedHello = await closedOwner.waitForControl('hello');

    const refusedWith = async (token: string, code: number): Promise<void> => {
      const c = await watch(h, token);
      assert.equal((await c.waitForClose()).code, code);
      assert.equal(c.control('hello'), undefined, 'no hello for a refused observer');
      assert.equal(c.stdoutBytes, 0, 'no output for a refused observer');
    };
    // A valid token of another tenant naming this tenant's session.
    await refusedWith(observerToken(h, hello.session, 'other'), CloseCode.ObserveRefused);
    await refusedWith(observerToken(h, 'AAAAAAAAAAAAAAAAAAAAAA'), CloseCode.ObserveRefused);
    await refusedWith(observerToken(h, closedHello.session, 'closed'), CloseCode.ObserveRefused);
    await refusedWith(observerToken(h, hello.session) + 'x', CloseCode.Unauthorized);
    // A page on another site cannot watch (Origin checked before the signature).
    await assert.rejects(watch(h, observerToken(h, hello.session), 'https://evil.example'), (err: unknown) => {
      assert.ok(err instanceof UpgradeRefused);
      assert.equal(err.status, 403);
      return true;
    });
    // An observer token without pod-shell.observe.v1 is not a session token: no shell.
    const shell = await TestClient.connect(h.url, { origin: TEST_ORIGIN, token: observerToken(h, hello.session) });
    assert.equal((await shell.waitForClose()).code, CloseCode.Unauthorized);
    // And a session token cannot observe.
    const asObserver = await watch(h, h.token());
    assert.equal((await asObserver.waitForClose()).code, CloseCode.Unauthorized);

    assert.equal(h.broker.gauges.value('observers'), 0);
    assert.deepEqual(counts(owner), [], 'the owner was never told of a watcher');
    await owner.close();
    await closedOwner.close();
  });

  test('an observer is closed when its token expires (4401); the owner goes on and is told 0 watchers', async () => {
    const h = harness();
    const owner = await h.connect();
    const hello = await owner.waitForControl('hello');
    const token = mintToken({ tenant: h.tenants[0]!, sub: 'bob', observe: hello.session, ttlSeconds: 2 });
    const eve = await watch(h, token);
    await eve.waitForControl('hello');
    const close = await eve.waitForClose(10_000);
    assert.equal(close.code, CloseCode.Unauthorized);
    assert.equal(eve.control('closing')?.reason, 'token_expired');
    await owner.waitUntil(() => lastCount(owner) === 0, 'the owner told 0 watchers');
    owner.stdin('echo on-$((4+4))\r');
    await owner.waitForText('on-8');
    await owner.close();
  });

  test('the observer ends with the session: the status frame, then closing with the session code', async () => {
    const h = harness();
    const owner = await h.connect();
    const hello = await owner.waitForControl('hello');
    const eve = await watch(h, observerToken(h, hello.session));
    const ann = await watch(h, observerToken(h, hello.session, 'test', 'ann'));
    await eve.waitForControl('hello');
    await ann.waitForControl('hello');
    await owner.waitUntil(() => lastCount(owner) === 2, 'the owner told 2 watchers');
    owner.stdin('exit 3\r');
    for (const c of [owner, eve, ann]) {
      const close = await c.waitForClose();
      assert.equal(close.code, 1000);
      assert.equal(c.control('closing')?.exitCode, 3);
      assert.ok(c.status !== null, 'the status frame reached it');
    }
    await h.waitIdle();
    assert.equal(h.broker.gauges.value('observers'), 0);
  });

  test("a session takes at most its tenant's maxObserversPerSession watchers; one more is refused with 4412, and a freed place can be taken again", async () => {
    const h = harness();
    const owner = await h.connect({ tenant: 'capped' });
    const hello = await owner.waitForControl('hello');
    const token = observerToken(h, hello.session, 'capped');
    const first = [await watch(h, token), await watch(h, token)];
    await Promise.all(first.map((w) => w.waitForControl('hello')));
    const third = await watch(h, token);
    const close = await third.waitForClose();
    assert.equal(close.code, 4412);
    assert.match(
      third.control('closing')?.message ?? '',
      /as many watchers as its tenant allows|the most its tenant allows/,
    );
    assert.equal(third.control('hello'), undefined, 'no output for the refused watcher');
    await owner.waitUntil(() => lastCount(owner) === 2, 'the owner told 2 watchers');
    await first[0]!.close();
    const again = await watch(h, token);
    await again.waitForControl('hello');
    await Promise.all([first[1]!.close(), again.close()]);
    await owner.close();
    await h.waitIdle();
    assert.equal(h.broker.gauges.value('observers'), 0);
  });
});
