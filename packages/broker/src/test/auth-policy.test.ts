import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAuthenticator } from '../auth/authenticator.js';
import { DEFAULT_SHELL_COMMAND } from '../auth/default-command.js';
import { AuthError, ErrorCode, type ErrorCodeValue } from '../errors.js';
import { CONFIG, NOW, NOW_MS, claims, ec, forge, parse, rsa2048, tenantYaml } from './auth-fixtures.js';
import jwt from 'jsonwebtoken';

const ORIGIN = 'https://app.example.com';

function rsaToken(payload: Record<string, unknown>): string {
  return forge({ alg: 'RS256', kid: 'rsa-1' }, payload, { rsaPrivate: rsa2048().privateKey });
}

async function expectCode(p: Promise<unknown>, code: ErrorCodeValue): Promise<AuthError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}, got success`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AuthError, String(err));
  assert.equal(err.code, code, err.message);
  return err;
}

/** Two tenants with distinct issuers, keys and namespaces. */
function twoTenants() {
  const b = ec();
  const tenants = parse([
    tenantYaml(),
    tenantYaml({
      name: 'beta',
      issuer: 'https://beta.example',
      keys: [{ kid: 'ec-1', alg: 'ES256', publicKey: b.publicKey }],
      allowedOrigins: ['https://beta.example'],
      namespaces: ['beta'],
    }),
  ]);
  return { auth: createAuthenticator({ tenants, config: CONFIG, clock: () => NOW_MS }), betaKey: b };
}

describe('origin (threat 1)', () => {
  const auth = createAuthenticator({ tenants: parse([tenantYaml()]), config: CONFIG, clock: () => NOW_MS });
  test('the exact allowed origin passes', async () => {
    assert.equal(
      (await auth.authenticate({ token: rsaToken(claims()), origin: ORIGIN, clientIp: 'x' })).subject,
      'alice',
    );
  });
  for (const origin of [
    'https://evil.test',
    'https://app.example.com.evil.test',
    'https://app.example.com:443',
    'http://app.example.com',
    'https://APP.example.com',
    'https://app.example.com/',
    'https://app.example.co',
    'https://xapp.example.com',
    'null',
  ]) {
    test(`a valid token from Origin ${origin} → ORIGIN_FORBIDDEN (403)`, async () => {
      const err = await expectCode(
        auth.authenticate({ token: rsaToken(claims()), origin, clientIp: 'x' }),
        ErrorCode.ORIGIN_FORBIDDEN,
      );
      assert.equal(err.httpStatus, 403);
    });
  }
  test('no Origin header: refused by default, accepted when the tenant sets allowMissingOrigin', async () => {
    await expectCode(
      auth.authenticate({ token: rsaToken(claims()), origin: null, clientIp: 'x' }),
      ErrorCode.ORIGIN_FORBIDDEN,
    );
    const open = createAuthenticator({
      tenants: parse([tenantYaml({ allowMissingOrigin: true })]),
      config: CONFIG,
      clock: () => NOW_MS,
    });
    assert.equal(
      (await open.authenticate({ token: rsaToken(claims()), origin: null, clientIp: 'x' })).subject,
      'alice',
    );
    // allowMissingOrigin never widens the list for browsers that do send one.
    await expectCode(
      open.authenticate({ token: rsaToken(claims()), origin: 'https://evil.test', clientIp: 'x' }),
      ErrorCode.ORIGIN_FORBIDDEN,
    );
  });
});

describe('target policy (threat 12)', () => {
  test("tenant A's token naming a namespace outside its list → TARGET_FORBIDDEN (4403)", async () => {
    const { auth } = twoTenants();
    for (const namespace of ['beta', 'kube-system', 'default', 'team-ab', 'xacme-1']) {
      const err = await expectCode(
        auth.authenticate({
          token: rsaToken(claims({ target: { namespace, pod: 'p' } })),
          origin: ORIGIN,
          clientIp: 'x',
        }),
        ErrorCode.TARGET_FORBIDDEN,
      );
      assert.equal(err.closeCode, 4403);
    }
    // Globs: acme-* matches acme-prod.
    const ok = await auth.authenticate({
      token: rsaToken(claims({ target: { namespace: 'acme-prod', pod: 'p', container: 'c' } })),
      origin: ORIGIN,
      clientIp: 'x',
    });
    assert.deepEqual([ok.namespace, ok.pod, ok.container], ['acme-prod', 'p', 'c']);
  });

  test("a token claiming tenant B's issuer but signed with A's key is rejected; B's own token stays in B's namespaces", async () => {
    const { auth, betaKey } = twoTenants();
    const crossSigned = forge(
      { alg: 'RS256', kid: 'rsa-1' },
      claims({ iss: 'https://beta.example', target: { namespace: 'beta', pod: 'p' } }),
      { rsaPrivate: rsa2048().privateKey },
    );
    await expectCode(
      auth.authenticate({ token: crossSigned, origin: 'https://beta.example', clientIp: 'x' }),
      ErrorCode.TOKEN_INVALID,
    );
    const betaToken = (ns: string) =>
      jwt.sign(claims({ iss: 'https://beta.example', target: { namespace: ns, pod: 'p' } }), betaKey.privateKey, {
        algorithm: 'ES256',
        keyid: 'ec-1',
      });
    assert.equal(
      (await auth.authenticate({ token: betaToken('beta'), origin: 'https://beta.example', clientIp: 'x' })).tenant
        .name,
      'beta',
    );
    await expectCode(
      auth.authenticate({ token: betaToken('team-a'), origin: 'https://beta.example', clientIp: 'x' }),
      ErrorCode.TARGET_FORBIDDEN,
    );
    // B's valid token from A's origin: refused by origin before anything else.
    await expectCode(
      auth.authenticate({ token: betaToken('beta'), origin: ORIGIN, clientIp: 'x' }),
      ErrorCode.ORIGIN_FORBIDDEN,
    );
  });

  test('commands: default when absent, allowed list verbatim, anything else forbidden', async () => {
    const auth = createAuthenticator({ tenants: parse([tenantYaml()]), config: CONFIG, clock: () => NOW_MS });
    const run = (command?: string[]) =>
      auth.authenticate({
        token: rsaToken(claims({ target: { namespace: 'team-a', pod: 'p', ...(command ? { command } : {}) } })),
        origin: ORIGIN,
        clientIp: 'x',
      });
    assert.deepEqual((await run()).command, [...DEFAULT_SHELL_COMMAND]);
    assert.deepEqual((await run(['ls', '-la'])).command, ['ls', '-la']);
    assert.deepEqual((await run([...DEFAULT_SHELL_COMMAND])).command, [...DEFAULT_SHELL_COMMAND]);
    for (const bad of [['ls'], ['ls', '-la', '/'], ['/bin/sh', '-c', 'rm -rf /'], ['bash']]) {
      await expectCode(run(bad), ErrorCode.TARGET_FORBIDDEN);
    }
  });

  test('a malformed target claim is TOKEN_INVALID', async () => {
    const auth = createAuthenticator({ tenants: parse([tenantYaml()]), config: CONFIG, clock: () => NOW_MS });
    for (const target of [
      'team-a/web-0',
      { namespace: 'team-a' },
      { namespace: 'Team-A', pod: 'p' },
      { namespace: 'team-a', pod: '../p' },
      { namespace: 'team-a', pod: 'p', container: 'a b' },
      { namespace: 'team-a', pod: 'p', command: [] },
      { namespace: 'team-a', pod: 'p', command: 'ls' },
      { namespace: 'team-a', pod: 'p', node: 'n1' },
    ]) {
      await expectCode(
        auth.authenticate({ token: rsaToken(claims({ target })), origin: ORIGIN, clientIp: 'x' }),
        ErrorCode.TOKEN_INVALID,
      );
    }
  });
});

describe('verifyRefresh', () => {
  const auth = createAuthenticator({
    tenants: parse([tenantYaml({ allowMissingOrigin: true })]),
    config: CONFIG,
    clock: () => NOW_MS,
  });
  test('same tenant, subject and target → the new expiry', async () => {
    const current = await auth.authenticate({ token: rsaToken(claims()), origin: ORIGIN, clientIp: 'x' });
    assert.equal(
      await auth.verifyRefresh(current, rsaToken(claims({ iat: NOW, exp: NOW + 1800 }))),
      (NOW + 1800) * 1000,
    );
  });
  test('another subject, target or an invalid token is refused', async () => {
    const current = await auth.authenticate({ token: rsaToken(claims()), origin: ORIGIN, clientIp: 'x' });
    await expectCode(auth.verifyRefresh(current, rsaToken(claims({ sub: 'mallory' }))), ErrorCode.TOKEN_INVALID);
    await expectCode(
      auth.verifyRefresh(current, rsaToken(claims({ target: { namespace: 'team-a', pod: 'other' } }))),
      ErrorCode.TARGET_FORBIDDEN,
    );
    await expectCode(
      auth.verifyRefresh(current, rsaToken(claims({ target: { namespace: 'team-a', pod: 'web-0', container: 'x' } }))),
      ErrorCode.TARGET_FORBIDDEN,
    );
    await expectCode(
      auth.verifyRefresh(current, rsaToken(claims({ exp: NOW - 120, iat: NOW - 300 }))),
      ErrorCode.TOKEN_EXPIRED,
    );
    await expectCode(auth.verifyRefresh(current, ''), ErrorCode.TOKEN_MISSING);
  });
});
