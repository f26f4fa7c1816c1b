import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startHarness, type Harness } from './harness.js';

/** Threat 8: a session never outlives its credential; expiry warning, refresh, idle close. */
describe('session timers', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      env: { EXPIRING_WARNING_SECONDS: '2' },
      tenants: [
        {
          name: 'idle',
          issuer: 'https://idle.example',
          audience: 'pod-shell',
          keys: [{ kid: 'hs-i', alg: 'HS256', secret: 'idle-secret-0123456789abcdef-0123456789abcdef' }],
          allowedOrigins: ['https://app.example.com'],
          namespaces: ['default'],
          identity: { user: 'idle:{sub}', groups: ['pod-shell:test'] },
          endOrphanedShells: false,
          limits: { idleTimeoutSeconds: 1 },
        },
      ],
    });
  });
  afterEach(async () => {
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  test('a token expiring in 3 s: expiring frame, then 4408 within 1 s of expiry', async () => {
    const c = await h.connect({ pod: 'echo-0', ttlSeconds: 3 });
    const hello = await c.waitForControl('hello');
    const expiring = await c.waitForControl('expiring', 5000);
    assert.equal(expiring.at, hello.expiresAt);
    assert.ok(Date.now() <= hello.expiresAt, 'the warning comes before the expiry');
    const close = await c.waitForClose(5000);
    const late = Date.now() - hello.expiresAt;
    assert.equal(close.code, 4408);
    assert.equal(c.control('closing')?.reason, 'expired');
    assert.ok(late >= -20 && late < 1000, `closed ${late} ms after expiry`);
  });

  test('a refresh with a new valid token extends the session', async () => {
    const c = await h.connect({ pod: 'echo-0', ttlSeconds: 3 });
    const hello = await c.waitForControl('hello');
    c.refresh(h.token({ pod: 'echo-0', ttlSeconds: 120 }));
    const extended = await c.waitForControl('extended');
    assert.ok(extended.expiresAt >= hello.expiresAt + 100_000, 'expiry moved about two minutes out');
    // Past the original expiry, the session still relays.
    await new Promise((r) => setTimeout(r, hello.expiresAt - Date.now() + 300));
    c.stdin('still here');
    await c.waitForText('still here');
    assert.equal(c.closeEvent, null);
    const record = await h.broker.store.get(hello.session);
    assert.equal(record?.expiresAt, extended.expiresAt, 'the store has the new expiry');
    await c.close();
  });

  test('a refresh naming another target is refused with an error frame, the session goes on', async () => {
    const c = await h.connect({ pod: 'echo-0' });
    await c.waitForControl('hello');
    c.refresh(h.token({ pod: 'demo' }));
    const err = await c.waitForControl('error');
    assert.equal(err.code, 'PS_ERR_TARGET_FORBIDDEN');
    c.stdin('ok');
    await c.waitForText('ok');
    await c.close();
  });

  test('an idle session closes with 4408 after the idle timeout; activity postpones it', async () => {
    const c = await h.connect({ tenant: 'idle', pod: 'echo-0' });
    const hello = await c.waitForControl('hello');
    assert.equal(hello.idleTimeoutMs, 1000);
    const t0 = Date.now();
    // Activity every 400 ms keeps it open past the idle timeout.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 400));
      c.stdin('.');
    }
    assert.equal(c.closeEvent, null, 'still open after 1.6 s of activity');
    const close = await c.waitForClose(5000);
    assert.equal(close.code, 4408);
    assert.equal(c.control('closing')?.reason, 'idle');
    assert.ok(Date.now() - t0 >= 2500);
  });
});
