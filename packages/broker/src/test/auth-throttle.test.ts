import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { createAuthenticator } from '../auth/authenticator.js';
import type { Authenticator } from '../auth/authorized-session.js';
import { loadConfig } from '../config/config.js';
import { GENERIC_INVALID_TOKEN_MESSAGE } from '../server/upgrade-handler.js';
import { parseTenants } from '../tenants/tenants-file.js';
import { forge } from './auth-fixtures.js';
import { ADMIN_TOKEN, startHarness, tenantDoc, TEST_ORIGIN, type Harness } from './harness.js';
import { TestClient } from './client.js';

/**
 * Issue 8 item 3 (threat 15): failed authentications are capped per source address and per claimed
 * tenant, and past a cap upgrades are refused (4429) before any signature is checked; anonymous
 * clients get one message for every invalid token; the public /readyz does not count sessions.
 */
describe('failed-authentication limits', () => {
  let h: Harness;
  let authenticated = 0;
  before(async () => {
    // Each test floods its own tenant, so the per-tenant windows of one test do not reach into the next.
    const extra = ['flood-a', 'flood-b'].map((name) => tenantDoc({ name, issuer: `https://${name}.example` }));
    const tenants = parseTenants(stringify({ tenants: [tenantDoc(), ...extra] }), {
      file: 'throttle.yaml',
      baseDir: '/',
    });
    const real = createAuthenticator({ tenants, config: loadConfig({ ADMIN_TOKEN, TENANTS_FILE: '/dev/null' }) });
    // Counts the upgrades that reached token verification.
    const counting: Authenticator = {
      authenticate: (c) => {
        authenticated++;
        return real.authenticate(c);
      },
      authenticateObserver: (c) => {
        authenticated++;
        return real.authenticateObserver(c);
      },
      claimedTenant: (t) => real.claimedTenant(t),
      verifyTenantAdmin: (t) => real.verifyTenantAdmin(t),
      verifyRefresh: (c, t) => real.verifyRefresh(c, t),
    };
    h = await startHarness({
      env: {
        TRUST_PROXY: 'true',
        IP_CONNECTS_PER_MINUTE: '0',
        AUTH_FAILURES_PER_MINUTE_PER_IP: '30',
        AUTH_FAILURES_PER_MINUTE_PER_TENANT: '50',
      },
      tenants: extra,
      deps: { authenticator: counting },
    });
  });
  afterEach(async () => {
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  const from = (ip: string, token: string): Promise<TestClient> =>
    TestClient.connect(h.url, { origin: TEST_ORIGIN, token, headers: { 'x-forwarded-for': ip } });
  const forgedFor = (
    claims: Record<string, unknown>,
    header: Record<string, unknown> = { alg: 'HS256', kid: 'hs-1' },
  ): string =>
    forge(
      header,
      {
        iss: 'https://flood-a.example',
        aud: 'pod-shell',
        sub: 'eve',
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 600,
        target: { namespace: 'default', pod: 'echo-0' },
        ...claims,
      },
      { hmac: 'not-the-tenant-secret-0123456789abcdef-0123' },
    );
  const throttled = async (scope: string): Promise<number> =>
    Number(
      new RegExp(`^podshell_auth_throttled_total\\{scope="${scope}"\\} (\\d+)$`, 'm').exec(
        (await h.admin('/metrics')).text,
      )?.[1] ?? 0,
    );

  test('600 forged-token upgrades from one address: 30 are verified (4401), the other 570 are refused unverified with 4429', async () => {
    authenticated = 0;
    const forged = forgedFor({});
    const closes = await Promise.all(
      Array.from({ length: 600 }, async () => {
        const c = await from('203.0.113.7', forged);
        await c.waitForClose();
        return { code: c.closeEvent!.code, reason: c.control('closing')?.reason };
      }),
    );
    assert.equal(closes.filter((c) => c.code === 4401 && c.reason === 'token_invalid').length, 30);
    assert.equal(closes.filter((c) => c.code === 4429 && c.reason === 'auth_rate_limited').length, 570);
    assert.equal(authenticated, 30, 'only the first 30 reached signature verification');
    assert.equal(await throttled('ip'), 570);
    // The cap is per address: another address is still verified (and a valid token opens a session).
    const ok = await from('198.51.100.9', h.token({ pod: 'echo-0' }));
    await ok.waitForControl('hello');
    await ok.close();
  });

  test('forged tokens claiming one tenant from many addresses hit the per-tenant cap; other issuers are not bucketed', async () => {
    authenticated = 0;
    const before = await throttled('tenant');
    const forged = forgedFor({ iss: 'https://flood-b.example' });
    for (let i = 0; i < 60; i++) {
      const c = await from(`192.0.2.${i + 1}`, forged);
      await c.waitForClose();
      assert.equal(c.closeEvent!.code, i < 50 ? 4401 : 4429, `attempt ${i}`);
    }
    assert.equal(authenticated, 50);
    assert.equal((await throttled('tenant')) - before, 10);
    // A token claiming an unknown issuer is not counted against any tenant: still verified, still 4401.
    const stranger = await from('192.0.2.200', forgedFor({ iss: 'https://unknown.example' }));
    await stranger.waitForClose();
    assert.equal(stranger.closeEvent!.code, 4401);
  });

  test('an unknown kid and an unknown issuer get the same 4401 message; the log has the precise reasons', async () => {
    const kid = await from('100.64.0.1', forgedFor({ iss: 'https://other.example' }, { alg: 'HS256', kid: 'hs-1' }));
    await kid.waitForClose();
    const iss = await from(
      '100.64.0.2',
      forgedFor({ iss: 'https://test.example' }, { alg: 'HS256', kid: 'no-such-kid' }),
    );
    await iss.waitForClose();
    const [a, b] = [kid.control('closing'), iss.control('closing')];
    assert.deepEqual(a, b, 'indistinguishable to the client');
    assert.deepEqual(a, {
      type: 'closing',
      code: 4401,
      reason: 'token_invalid',
      message: GENERIC_INVALID_TOKEN_MESSAGE,
    });
    const logged = h.logs
      .filter((l) => l['event'] === 'upgrade.refused' && ['100.64.0.1', '100.64.0.2'].includes(l['clientIp'] as string))
      .map((l) => l['message']);
    assert.deepEqual(logged.sort(), ['token "kid" names no key of this tenant', 'token issuer is not a known tenant']);
  });

  test('failed tenant admin tokens count toward the same per-address cap as upgrades: past it, both are refused unverified', async () => {
    const ip = '203.0.113.99';
    const adminCall = (token: string): Promise<Response> =>
      fetch(`http://127.0.0.1:${h.broker.port}/v1/admin/sessions`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': ip },
      });
    const bad = forgedFor({ iss: 'https://unknown-admin.example' });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await adminCall(bad)).status);
    // 30 refused after verification (401), the 31st refused by the cap before it (429).
    assert.deepEqual([statuses.filter((s) => s === 401).length, statuses[30]], [30, 429]);
    const refused = (await adminCall(bad).then((r) => r.json())) as { error: string };
    assert.equal(refused.error, 'PS_ERR_AUTH_RATE_LIMITED');
    // The upgrade shares the window: a valid token from that address is now refused unverified too.
    authenticated = 0;
    const c = await from(ip, h.token({ pod: 'echo-0' }));
    await c.waitForClose();
    assert.equal(c.closeEvent!.code, 4429);
    assert.equal(authenticated, 0);
    // Another address is unaffected.
    const ok = await from('203.0.113.100', h.token({ pod: 'echo-0' }));
    await ok.waitForControl('hello');
    await ok.close();
  });

  test('the public /readyz does not expose the session count; the admin port does', async () => {
    const c = await h.connect({ pod: 'echo-0' });
    await c.waitForControl('hello');
    const pub = (await (await fetch(`http://127.0.0.1:${h.broker.port}/readyz`)).json()) as Record<string, unknown>;
    assert.equal(pub['ready'], true);
    assert.equal('sessions' in pub, false);
    const adm = await h.admin('/readyz');
    assert.equal(adm.status, 200);
    assert.equal((JSON.parse(adm.text) as { sessions: number }).sessions, 1);
    await c.close();
  });
});
