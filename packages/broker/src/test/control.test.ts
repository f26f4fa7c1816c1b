import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startHarness, type Harness } from './harness.js';

/** Operator control (kill, revoke, shorten) through the store's channel, readiness, and the admin listings. */
describe('control commands, readiness and admin listings', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { EXPIRING_WARNING_SECONDS: '1' } });
  });
  afterEach(async () => {
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  test('a kill published on the store closes the session with closing + 4409', async () => {
    const c = await h.connect({ pod: 'echo-0' });
    const hello = await c.waitForControl('hello');
    await h.broker.store.publish({ kind: 'kill', sessionId: hello.session, message: 'bye from ops' });
    const close = await c.waitForClose();
    assert.equal(close.code, 4409);
    assert.equal(c.control('closing')?.message, 'bye from ops');
    assert.equal(await h.broker.store.get(hello.session), null, 'the store entry is gone');
  });

  test('kill-subject ends only that subject; the admin API lists and kills by id', async () => {
    const a = await h.connect({ pod: 'echo-0', sub: 'alice' });
    const b = await h.connect({ pod: 'echo-0', sub: 'bob' });
    await a.waitForControl('hello');
    const helloB = await b.waitForControl('hello');
    await h.broker.store.publish({ kind: 'kill-subject', tenant: 'test', subject: 'alice' });
    assert.equal((await a.waitForClose()).code, 4409);
    assert.equal(b.closeEvent, null);
    const list = await h.admin('/admin/sessions?tenant=test');
    assert.equal(list.status, 200);
    assert.match(list.text, new RegExp(helloB.session));
    const debug = await h.admin('/debug/sessions');
    assert.equal(debug.status, 200);
    assert.match(debug.text, /"resizeHandler": ?true/);
    const killed = await h.admin(`/admin/sessions/${helloB.session}?tenant=test`, { method: 'DELETE' });
    assert.ok(killed.status < 300, `admin kill answered ${killed.status}: ${killed.text}`);
    assert.equal((await b.waitForClose()).code, 4409);
  });

  test('set-expiry shortens a live session: expiring frame, then 4408', async () => {
    const c = await h.connect({ pod: 'echo-0' });
    const hello = await c.waitForControl('hello');
    const at = Date.now() + 1500;
    await h.broker.store.publish({ kind: 'set-expiry', sessionId: hello.session, expiresAt: at });
    const expiring = await c.waitForControl('expiring');
    assert.equal(expiring.at, at);
    const close = await c.waitForClose(5000);
    assert.equal(close.code, 4408);
    assert.ok(Date.now() - at < 1000);
  });

  test('/healthz is 200; /readyz names the memory store and turns 503 while draining', async () => {
    const base = `http://127.0.0.1:${h.broker.port}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { store: { kind: string; note: string } };
    assert.equal(body.store.kind, 'memory');
    assert.equal(body.store.note, 'memory store: single replica');
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.ok(h.logs.some((l) => l['event'] === 'store.memory' && l['note'] === 'memory store: single replica'));
  });
});
