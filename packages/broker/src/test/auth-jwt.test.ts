import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { createAuthenticator } from '../auth/authenticator.js';
import { AuthError, ErrorCode, type ErrorCodeValue } from '../errors.js';
import { CONFIG, HS_SECRET, NOW, NOW_MS, claims, ec, forge, parse, rsa2048, tenantYaml } from './auth-fixtures.js';

const ORIGIN = 'https://app.example.com';

function authenticator(tenantOverrides: Record<string, unknown> = {}, config = CONFIG) {
  const tenants = parse([tenantYaml(tenantOverrides)]);
  return createAuthenticator({ tenants, config, clock: () => NOW_MS });
}

function rsaToken(payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return forge({ alg: 'RS256', typ: 'JWT', kid: 'rsa-1', ...header }, payload, { rsaPrivate: rsa2048().privateKey });
}

async function expectCode(p: Promise<unknown>, code: ErrorCodeValue): Promise<AuthError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(
    caught instanceof AuthError,
    `expected AuthError ${code}, got ${caught === undefined ? 'success' : caught instanceof Error ? caught.message : typeof caught}`,
  );
  assert.equal(caught.code, code, `wrong code: ${caught.message}`);
  return caught;
}

describe('JWT verification', () => {
  test('a valid RS256 token is accepted and yields the signed target', async () => {
    const s = await authenticator().authenticate({ token: rsaToken(claims()), origin: ORIGIN, clientIp: '127.0.0.1' });
    assert.equal(s.tenant.name, 'acme');
    assert.equal(s.subject, 'alice');
    assert.equal(s.namespace, 'team-a');
    assert.equal(s.pod, 'web-0');
    assert.equal(s.container, undefined);
    assert.equal(s.tokenExpiresAt, (NOW + 600) * 1000);
  });

  test('observer tokens: `observe` names a session and no target; neither kind of token passes as the other', async () => {
    const auth = authenticator();
    const creds = (token: string) => ({ token, origin: ORIGIN, clientIp: '127.0.0.1' });
    const sessionId = 'q1Vd0n3m7Qy2cS0J8o1x9A';
    const { target: _target, ...noTarget } = claims();
    const watcher = await auth.authenticateObserver(creds(rsaToken({ ...noTarget, observe: sessionId })));
    assert.deepEqual(
      { tenant: watcher.tenant.name, subject: watcher.subject, sessionId: watcher.sessionId },
      { tenant: 'acme', subject: 'alice', sessionId },
    );
    assert.equal(watcher.tokenExpiresAt, (NOW + 600) * 1000);
    // A token carrying both claims is neither: no shell, no watching.
    const both = rsaToken(claims({ observe: sessionId }));
    await expectCode(auth.authenticate(creds(both)), ErrorCode.TOKEN_INVALID);
    await expectCode(auth.authenticateObserver(creds(both)), ErrorCode.TOKEN_INVALID);
    // A session token cannot watch; an observer token cannot open a shell.
    await expectCode(auth.authenticateObserver(creds(rsaToken(claims()))), ErrorCode.TOKEN_INVALID);
    await expectCode(auth.authenticate(creds(rsaToken({ ...noTarget, observe: sessionId }))), ErrorCode.TOKEN_INVALID);
    // `observe` must look like a session id; the origin is checked as for any upgrade.
    await expectCode(
      auth.authenticateObserver(creds(rsaToken({ ...noTarget, observe: '../../x' }))),
      ErrorCode.TOKEN_INVALID,
    );
    await expectCode(
      auth.authenticateObserver({
        ...creds(rsaToken({ ...noTarget, observe: sessionId })),
        origin: 'https://evil.example',
      }),
      ErrorCode.ORIGIN_FORBIDDEN,
    );
  });

  test('no token → TOKEN_MISSING (401)', async () => {
    const err = await expectCode(
      authenticator().authenticate({ token: null, origin: ORIGIN, clientIp: 'x' }),
      ErrorCode.TOKEN_MISSING,
    );
    assert.equal(err.httpStatus, 401);
    assert.equal(err.closeCode, 4401);
  });

  // Threat 3: alg none / unsigned (CVE-2022-23540).
  for (const [name, make] of [
    ['alg none with empty signature', () => forge({ alg: 'none', typ: 'JWT' }, claims(), { none: true })],
    ['alg NONE (case variant) with a junk signature', () => forge({ alg: 'NONE' }, claims(), { none: true }) + 'AAAA'],
    ['alg RS256 header but no signature', () => forge({ alg: 'RS256', kid: 'rsa-1' }, claims(), { none: true })],
    ['missing alg header', () => rsaToken(claims(), { alg: undefined })],
  ] as const) {
    test(`threat 3: ${name} is rejected`, async () => {
      await expectCode(
        authenticator().authenticate({ token: make(), origin: ORIGIN, clientIp: 'x' }),
        ErrorCode.TOKEN_INVALID,
      );
    });
  }

  // Threat 4: HS/RS confusion (CVE-2022-23541).
  test('threat 4: HS256 token signed with the RSA public PEM is rejected', async () => {
    const pub = rsa2048().publicKey;
    for (const header of [{ alg: 'HS256', kid: 'rsa-1' }, { alg: 'HS256' }]) {
      const token = forge(header, claims(), { hmac: pub });
      const err = await expectCode(
        authenticator().authenticate({ token, origin: ORIGIN, clientIp: 'x' }),
        ErrorCode.TOKEN_INVALID,
      );
      assert.match(err.message, /algorithm/);
    }
  });

  test('threat 4: an ES256 token for an RS256-pinned key is rejected', async () => {
    const other = ec();
    const token = jwt.sign(claims(), other.privateKey, { algorithm: 'ES256', keyid: 'rsa-1' });
    await expectCode(authenticator().authenticate({ token, origin: ORIGIN, clientIp: 'x' }), ErrorCode.TOKEN_INVALID);
  });

  // Threat 6: kid / jku / x5u injection.
  test('threat 6: kid=../../dev/null is rejected (kid is an equality lookup only)', async () => {
    for (const kid of ['../../dev/null', '/dev/null', "' OR '1'='1", 'rsa-1/../rsa-1', '0']) {
      // Signed with an empty HMAC key, the classic /dev/null trick, and with the real key.
      const forged = forge({ alg: 'HS256', kid }, claims(), { hmac: Buffer.alloc(0) });
      const real = rsaToken(claims(), { kid });
      for (const token of [forged, real]) {
        const err = await expectCode(
          authenticator().authenticate({ token, origin: ORIGIN, clientIp: 'x' }),
          ErrorCode.TOKEN_INVALID,
        );
        assert.match(err.message, /kid|algorithm/);
      }
    }
  });

  test('threat 6: jku / x5u / jwk pointing at an attacker are rejected and never fetched', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end('{"keys":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const attacker = rsa2048(); // same shape, but the attacker's own key would do: signature is checked against the tenant key only
      const evil = ec();
      const tokens = [
        jwt.sign(claims(), evil.privateKey, { algorithm: 'ES256', header: { alg: 'ES256', jku: url, kid: 'rsa-1' } }),
        jwt.sign(claims(), evil.privateKey, { algorithm: 'ES256', header: { alg: 'ES256', x5u: url } }),
        forge({ alg: 'HS256', jku: url, kid: 'rsa-1' }, claims(), { hmac: 'attacker-secret-attacker-secret-attacker' }),
        forge({ alg: 'RS256', kid: 'attacker', jku: url, jwk: { kty: 'RSA' } }, claims(), {
          rsaPrivate: attacker.privateKey,
        }),
      ];
      for (const token of tokens) {
        await expectCode(
          authenticator().authenticate({ token, origin: ORIGIN, clientIp: 'x' }),
          ErrorCode.TOKEN_INVALID,
        );
      }
      // A correctly signed token with a jku header: the header is ignored, nothing is fetched.
      const ok = await authenticator().authenticate({
        token: rsaToken(claims(), { jku: url, x5u: url }),
        origin: ORIGIN,
        clientIp: 'x',
      });
      assert.equal(ok.subject, 'alice');
      // Give any stray fetch a chance to land before counting.
      await new Promise((r) => setImmediate(r));
      assert.equal(requests, 0, 'the verifier must never fetch a URL named by a token');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('no kid: accepted when the tenant has exactly one key, rejected when it has several', async () => {
    const token = rsaToken(claims(), { kid: undefined });
    assert.equal((await authenticator().authenticate({ token, origin: ORIGIN, clientIp: 'x' })).subject, 'alice');
    const two = authenticator({
      keys: [
        { kid: 'rsa-1', alg: 'RS256', publicKey: rsa2048().publicKey },
        { kid: 'hs-1', alg: 'HS256', secret: HS_SECRET },
      ],
    });
    await expectCode(two.authenticate({ token, origin: ORIGIN, clientIp: 'x' }), ErrorCode.TOKEN_INVALID);
    // With its kid, the same tenant accepts it, and an HS token by kid works too.
    assert.equal(
      (await two.authenticate({ token: rsaToken(claims()), origin: ORIGIN, clientIp: 'x' })).subject,
      'alice',
    );
    const hs = forge({ alg: 'HS256', kid: 'hs-1' }, claims(), { hmac: HS_SECRET });
    assert.equal((await two.authenticate({ token: hs, origin: ORIGIN, clientIp: 'x' })).subject, 'alice');
  });

  // Threat 7: missing claims and clock skew.
  for (const claim of ['exp', 'iat', 'iss', 'aud', 'sub', 'target']) {
    test(`threat 7: a token without "${claim}" is rejected`, async () => {
      const payload = claims();
      delete payload[claim];
      const err = await expectCode(
        authenticator().authenticate({ token: rsaToken(payload), origin: ORIGIN, clientIp: 'x' }),
        ErrorCode.TOKEN_INVALID,
      );
      assert.doesNotMatch(err.message, /eyJ/);
    });
  }

  test('threat 7: exp = now − tolerance − 1 is rejected as expired; exp = now − tolerance + 1 still passes', async () => {
    const tol = CONFIG.clockToleranceSeconds;
    await expectCode(
      authenticator().authenticate({
        token: rsaToken(claims({ iat: NOW - 100, exp: NOW - tol - 1 })),
        origin: ORIGIN,
        clientIp: 'x',
      }),
      ErrorCode.TOKEN_EXPIRED,
    );
    const ok = await authenticator().authenticate({
      token: rsaToken(claims({ iat: NOW - 100, exp: NOW - tol + 1 })),
      origin: ORIGIN,
      clientIp: 'x',
    });
    assert.equal(ok.subject, 'alice');
  });

  test('threat 7: nbf in the future (beyond tolerance) is rejected, within tolerance accepted', async () => {
    const tol = CONFIG.clockToleranceSeconds;
    await expectCode(
      authenticator().authenticate({ token: rsaToken(claims({ nbf: NOW + tol + 5 })), origin: ORIGIN, clientIp: 'x' }),
      ErrorCode.TOKEN_INVALID,
    );
    assert.ok(
      await authenticator().authenticate({
        token: rsaToken(claims({ nbf: NOW + tol - 5 })),
        origin: ORIGIN,
        clientIp: 'x',
      }),
    );
  });

  test('threat 7: iat older than the max token age is rejected; the session expiry is capped at iat + max age', async () => {
    const age = CONFIG.maxTokenAgeSeconds;
    await expectCode(
      authenticator().authenticate({
        token: rsaToken(claims({ iat: NOW - age - CONFIG.clockToleranceSeconds - 1, exp: NOW + 600 })),
        origin: ORIGIN,
        clientIp: 'x',
      }),
      ErrorCode.TOKEN_EXPIRED,
    );
    const s = await authenticator().authenticate({
      token: rsaToken(claims({ iat: NOW - age + 60, exp: NOW + 7200 })),
      origin: ORIGIN,
      clientIp: 'x',
    });
    assert.equal(s.tokenExpiresAt, (NOW + 60) * 1000);
  });

  test('threat 7: iat in the future, wrong aud, unknown iss, bad subject are rejected', async () => {
    const a = authenticator();
    for (const payload of [
      claims({ iat: NOW + 3600, exp: NOW + 7200 }),
      claims({ aud: 'someone-else' }),
      claims({ iss: 'https://evil.example' }),
      claims({ sub: '' }),
      claims({ sub: 'bob\r\nImpersonate-Group: system:masters' }),
      claims({ exp: 'tomorrow' }),
    ]) {
      await expectCode(
        a.authenticate({ token: rsaToken(payload), origin: ORIGIN, clientIp: 'x' }),
        ErrorCode.TOKEN_INVALID,
      );
    }
  });

  test('a tampered payload fails the signature check; error messages never echo the token', async () => {
    const token = rsaToken(claims());
    const [h, , s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims({ sub: 'root' }))).toString('base64url')}.${s}`;
    const err = await expectCode(
      authenticator().authenticate({ token: tampered, origin: ORIGIN, clientIp: 'x' }),
      ErrorCode.TOKEN_INVALID,
    );
    assert.match(err.message, /signature/);
    assert.ok(!err.message.includes(h!));
    await expectCode(
      authenticator().authenticate({ token: 'not-a-jwt', origin: ORIGIN, clientIp: 'x' }),
      ErrorCode.TOKEN_INVALID,
    );
    await expectCode(
      authenticator().authenticate({ token: 'a'.repeat(9000), origin: ORIGIN, clientIp: 'x' }),
      ErrorCode.TOKEN_INVALID,
    );
  });
});
