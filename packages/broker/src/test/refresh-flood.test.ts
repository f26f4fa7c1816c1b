import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { createAuthenticator } from '../auth/authenticator.js';
import type { Authenticator } from '../auth/authorized-session.js';
import { loadConfig } from '../config/config.js';
import { RefreshLimiter } from '../session/refresh-limiter.js';
import { parseTenants } from '../tenants/tenants-file.js';
import { ADMIN_TOKEN, startHarness, tenantDoc, type Harness } from './harness.js';

/**
 * Issue 8 item 2 (threat 14): `refresh` frames are rate-limited per session (REFRESH_PER_MINUTE);
 * over the limit they are refused without a signature check, counted in a metric, and a client that
 * keeps flooding is closed with 4430. The latency effect on other sessions is measured in
 * bench/refresh-flood.mjs, not here.
 */
describe('refresh rate limit', () => {
  let h: Harness;
  let verified = 0;
  before(async () => {
    const tenants = parseTenants(stringify({ tenants: [tenantDoc()] }), { file: 'flood.yaml', baseDir: '/' });
    const real = createAuthenticator({ tenants, config: loadConfig({ ADMIN_TOKEN, TENANTS_FILE: '/dev/null' }) });
    // Counts the signature checks a refresh costs.
    const counting: Authenticator = {
      authenticate: (c) => real.authenticate(c),
      authenticateObserver: (c) => real.authenticateObserver(c),
      claimedTenant: (t) => real.claimedTenant(t),
      verifyTenantAdmin: (t) => real.verifyTenantAdmin(t),
      verifyRefresh: (current, token) => {
        verified++;
        return real.verifyRefresh(current, token);
      },
    };
    h = await startHarness({ env: { REFRESH_PER_MINUTE: '6' }, deps: { authenticator: counting } });
  });
  afterEach(async () => {
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  const refusedTotal = async (): Promise<number> =>
    Number(/^podshell_refreshes_refused_total (\d+)$/m.exec((await h.admin('/metrics')).text)?.[1]);

  test('a flood of 5,000 bad-signature refreshes costs at most 6 signature checks and closes the session with 4430', async () => {
    const bystander = await h.connect({ pod: 'echo-0', sub: 'bob' });
    await bystander.waitForControl('hello');
    const c = await h.connect({ pod: 'echo-0' });
    await c.waitForControl('hello');
    const good = h.token({ pod: 'echo-0', ttlSeconds: 900 });
    const forged = `${good.slice(0, good.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    verified = 0;
    const refusedBefore = await refusedTotal();
    for (let i = 0; i < 5000; i++) c.refresh(forged);
    const close = await c.waitForClose(5000);
    assert.equal(close.code, 4430);
    assert.deepEqual(
      { reason: c.control('closing')?.reason, code: c.control('closing')?.code },
      { reason: 'refresh_rate_limited', code: 4430 },
    );
    assert.ok(verified <= 6, `signature checks: ${verified}`);
    const errors = c.controls.filter((m) => m.type === 'error');
    assert.equal(errors.filter((m) => m.type === 'error' && m.code === 'PS_ERR_TOKEN_INVALID').length, verified);
    assert.equal(
      errors.filter((m) => m.type === 'error' && m.code === 'PS_ERR_REFRESH_RATE_LIMITED').length,
      5,
      'five refusals, the sixth closes',
    );
    assert.equal(
      (await refusedTotal()) - refusedBefore,
      6,
      'refusals are counted once each; frames after the close are not read',
    );
    // The other session never noticed.
    bystander.stdin('still-fine');
    await bystander.waitForText('still-fine');
    assert.equal(bystander.closeEvent, null);
    await bystander.close();
  });

  test('a client that refreshes a little too often gets an error frame for the extra refresh and keeps its session', async () => {
    const c = await h.connect({ pod: 'echo-0' });
    await c.waitForControl('hello');
    for (let i = 0; i < 7; i++) c.refresh(h.token({ pod: 'echo-0', ttlSeconds: 600 + i }));
    await c.waitUntil(
      () => c.controls.filter((m) => m.type === 'extended' || m.type === 'error').length === 7,
      'seven answers',
    );
    assert.equal(c.controls.filter((m) => m.type === 'extended').length, 6);
    assert.equal(c.controls.filter((m) => m.type === 'error' && m.code === 'PS_ERR_REFRESH_RATE_LIMITED').length, 1);
    c.stdin('still-open');
    await c.waitForText('still-open');
    assert.equal(c.closeEvent, null);
    await c.close();
  });

  test('the limiter refills over the minute and forgives a client once it is allowed a refresh again', () => {
    let now = 0;
    const l = new RefreshLimiter(6, () => now);
    for (let i = 0; i < 6; i++) assert.equal(l.take(), 'verify');
    for (let i = 0; i < 5; i++) assert.equal(l.take(), 'refuse');
    now += 10_000; // one refresh per 10 s at 6 per minute
    assert.equal(l.take(), 'verify', 'a token came back');
    for (let i = 0; i < 5; i++) assert.equal(l.take(), 'refuse', 'strikes start over after an allowed refresh');
    assert.equal(l.take(), 'abuse');
  });
});
