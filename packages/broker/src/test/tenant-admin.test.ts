import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { mintTenantAdminToken } from '../auth/tenant-admin-token.js';
import { runTokenCommand } from '../cli/token-command.js';
import type { LockRecord, SessionRecord } from '../store/session-store.js';
import { keyObjectsFor } from '../tenants/tenant-keys.js';
import { tempDir, tenantsText } from './auth-fixtures.js';
import { ADMIN_TOKEN, startHarness, tenantDoc, type Harness } from './harness.js';

/**
 * Issue 8 item 6: a tenant's backend calls the admin API on the PUBLIC port (`/v1/admin/…`) with a
 * short-lived JWT signed by the tenant's own key (aud "pod-shell-admin", scope "admin"), confined to
 * its tenant; ADMIN_TOKEN is not accepted there; session tokens and admin tokens cannot stand in for
 * each other.
 */
describe('tenant admin API', () => {
  let h: Harness;
  let base: string;
  before(async () => {
    h = await startHarness({ tenants: [tenantDoc({ name: 'other', issuer: 'https://other.example' })] });
    base = `http://127.0.0.1:${h.broker.port}/v1`;
  });
  afterEach(async () => {
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  const tenant = (name: string) => h.tenants.find((t) => t.name === name)!;
  const adminToken = (name = 'test', ttlSeconds = 120): string =>
    mintTenantAdminToken({ tenant: tenant(name), sub: `${name}-backend`, ttlSeconds });
  const call = async (
    path: string,
    token: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(base + path, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** A token signed with the tenant's key but with claims jsonwebtoken would otherwise not let mintTenantAdminToken produce. */
  const signed = (claims: Record<string, unknown>): string => {
    const key = tenant('test').keys[0]!;
    return jwt.sign(
      { iss: 'https://test.example', aud: 'pod-shell-admin', sub: 'backend', scope: 'admin', ...claims },
      keyObjectsFor(key).sign!,
      { algorithm: key.alg as jwt.Algorithm, keyid: key.kid },
    );
  };

  test('a tenant admin lists, inspects, shortens and kills its own sessions, and locks its subjects; every cross-tenant attempt is refused', async () => {
    const mine = await h.connect({ pod: 'echo-0', sub: 'alice' });
    const theirs = await h.connect({ tenant: 'other', pod: 'echo-0', sub: 'alice' });
    const [m, t] = await Promise.all([mine.waitForControl('hello'), theirs.waitForControl('hello')]);
    const tok = adminToken();

    const list = await call('/admin/sessions', tok);
    assert.equal(list.status, 200);
    assert.deepEqual(
      (list.body['sessions'] as SessionRecord[]).map((s) => s.id),
      [m.session],
      'only its own tenant',
    );
    // Cross-tenant: naming the other tenant is 403; the other tenant's session and lock are not found.
    assert.equal((await call('/admin/sessions?tenant=other', tok)).status, 403);
    assert.equal((await call(`/admin/sessions/${t.session}`, tok)).status, 404);
    assert.equal((await call(`/admin/sessions/${t.session}`, tok, { method: 'DELETE' })).status, 404);
    assert.equal(
      (
        await call(`/admin/sessions/${t.session}/expiry`, tok, {
          method: 'POST',
          body: JSON.stringify({ inSeconds: 1 }),
        })
      ).status,
      404,
    );
    assert.equal(
      (await call('/admin/revoke', tok, { method: 'POST', body: JSON.stringify({ tenant: 'other' }) })).status,
      403,
    );
    assert.equal(
      (await call('/admin/locks', tok, { method: 'POST', body: JSON.stringify({ tenant: 'other', subject: 'alice' }) }))
        .status,
      403,
    );
    const otherLock = await h.admin('/admin/locks', {
      method: 'POST',
      body: JSON.stringify({ tenant: 'other', subject: 'nobody' }),
    });
    const otherLockId = (JSON.parse(otherLock.text) as { lock: LockRecord }).lock.id;
    assert.equal((await call(`/admin/locks/${otherLockId}`, tok, { method: 'DELETE' })).status, 404);
    assert.deepEqual(
      ((await call('/admin/locks', tok)).body['locks'] as LockRecord[]).map((l) => l.tenant),
      [],
      "the other tenant's lock is not listed",
    );

    // Its own session: inspect, shorten, then lock the subject (which ends the session).
    assert.equal(((await call(`/admin/sessions/${m.session}`, tok)).body['session'] as SessionRecord).tenant, 'test');
    assert.equal(
      (
        await call(`/admin/sessions/${m.session}/expiry`, tok, {
          method: 'POST',
          body: JSON.stringify({ inSeconds: 300 }),
        })
      ).status,
      200,
    );
    const locked = await call('/admin/locks', tok, {
      method: 'POST',
      body: JSON.stringify({ subject: 'alice', message: 'Locked by your workspace admin.' }),
    });
    assert.equal(locked.status, 201);
    const lock = locked.body['lock'] as LockRecord;
    assert.deepEqual([lock.tenant, lock.createdBy], ['test', 'tenant:test-backend']);
    assert.equal((await mine.waitForClose(2000)).code, 4409);
    assert.equal(theirs.closeEvent, null, "the other tenant's alice is untouched");
    assert.equal((await call(`/admin/locks/${lock.id}`, tok, { method: 'DELETE' })).status, 200);
    assert.equal((await h.admin(`/admin/locks/${otherLockId}`, { method: 'DELETE' })).status, 200);
    // Kill: only its own.
    const again = await h.connect({ pod: 'echo-0', sub: 'bob' });
    const a = await again.waitForControl('hello');
    assert.equal((await call(`/admin/sessions/${a.session}`, tok, { method: 'DELETE' })).status, 202);
    assert.equal((await again.waitForClose(2000)).code, 4409);
    await theirs.close();
  });

  test('expired, over-long and unscoped tokens, session tokens and ADMIN_TOKEN are refused on the tenant admin API', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = {
      expired: signed({ iat: now - 400, exp: now - 100 }),
      overLong: signed({ iat: now, exp: now + 600 }),
      noScope: signed({ iat: now, exp: now + 60, scope: undefined }),
      wrongAudience: signed({ iat: now, exp: now + 60, aud: 'pod-shell' }),
      sessionToken: h.token({ pod: 'echo-0' }),
      operatorToken: ADMIN_TOKEN,
    };
    for (const [what, token] of Object.entries(refused)) {
      const res = await call('/admin/sessions', token);
      assert.equal(res.status, 401, what);
      assert.equal((res.body['error'] as string | undefined) ?? '', 'PS_ERR_ADMIN_UNAUTHORIZED', what);
    }
    assert.equal((await fetch(`${base}/admin/sessions`)).status, 401, 'no token at all');
    assert.equal(
      (await call('/admin/sessions', signed({ iat: now, exp: now + 300 }))).status,
      200,
      'exactly the maximum lifetime is fine',
    );
  });

  test('a tenant admin token cannot open a shell (4401)', async () => {
    const c = await h.connect({ token: adminToken() });
    assert.equal((await c.waitForClose()).code, 4401);
    assert.equal(c.control('closing')?.reason, 'token_invalid');
  });

  test('`pod-shell-broker token --admin` mints a token the tenant admin API accepts, at most 5 minutes long', async () => {
    const dir = tempDir();
    try {
      const file = dir.write('tenants.yaml', tenantsText([tenantDoc()]));
      let out = '';
      const io = { stdout: (t: string) => (out += t), stderr: () => undefined };
      assert.equal(
        await runTokenCommand(['--admin', '--tenant', 'test', '--sub', 'ci-backend', '--tenants', file], {}, io),
        0,
      );
      const res = await call('/admin/sessions', out.trim());
      assert.equal(res.status, 200);
      assert.equal(
        await runTokenCommand(['--admin', '--tenant', 'test', '--sub', 'x', '--ttl', '10m', '--tenants', file], {}, io),
        2,
        'longer than 5 minutes is refused',
      );
    } finally {
      dir.cleanup();
    }
  });
});
