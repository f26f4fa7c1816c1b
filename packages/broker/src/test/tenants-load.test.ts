import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ConfigError, ErrorCode } from '../errors.js';
import { loadTenantsFile, LIMIT_RULES } from '../tenants/tenants-file.js';
import { resolveIdentity } from '../tenants/identity.js';
import { HS_SECRET, ec, parse, rsa1024, rsa2048, tempDir, tenantYaml, tenantsText } from './auth-fixtures.js';

/** Expects the tenants to be refused with a message matching every pattern. */
function refused(tenants: Record<string, unknown>[], ...patterns: RegExp[]): void {
  assert.throws(
    () => parse(tenants),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.code, ErrorCode.TENANTS_INVALID);
      for (const p of patterns) assert.match(err.message, p);
      return true;
    },
  );
}

describe('tenants file: keys (threats 4 and 5)', () => {
  test('threat 5: a 1024-bit RSA key is refused at load', () => {
    refused(
      [tenantYaml({ keys: [{ kid: 'weak', alg: 'RS256', publicKey: rsa1024().publicKey }] })],
      /tenant "acme"/,
      /keys\[0\]\.publicKey/,
      /at least 2048 bits/,
      /1024/,
    );
  });
  test('threat 5: HS secrets shorter than the hash size are refused', () => {
    refused(
      [tenantYaml({ keys: [{ kid: 'hs', alg: 'HS256', secret: 'short-secret' }] })],
      /keys\[0\]\.secret/,
      /at least 32 bytes/,
    );
    refused([tenantYaml({ keys: [{ kid: 'hs', alg: 'HS512', secret: HS_SECRET }] })], /at least 64 bytes/);
  });
  test('the short secret itself never appears in the error', () => {
    assert.throws(
      () => parse([tenantYaml({ keys: [{ kid: 'hs', alg: 'HS256', secret: 'hunter2-is-my-pass' }] })]),
      (e: Error) => !e.message.includes('hunter2'),
    );
  });
  test('threat 4: key type must match the pinned alg', () => {
    // An RSA public key as an HS256 secret (the HS/RS confusion setup) is refused.
    refused([tenantYaml({ keys: [{ kid: 'k', alg: 'HS256', secret: rsa2048().publicKey }] })], /PEM key was given/);
    refused(
      [tenantYaml({ keys: [{ kid: 'k', alg: 'HS256', publicKey: rsa2048().publicKey }] })],
      /publicKey must not be set for HS256/,
    );
    refused([tenantYaml({ keys: [{ kid: 'k', alg: 'ES256', publicKey: rsa2048().publicKey }] })], /needs an EC key/);
    refused([tenantYaml({ keys: [{ kid: 'k', alg: 'RS256', publicKey: ec().publicKey }] })], /needs an RSA key/);
  });
  test('EC curves must match the alg', () => {
    refused(
      [tenantYaml({ keys: [{ kid: 'k', alg: 'ES256', publicKey: ec('secp384r1').publicKey }] })],
      /curve prime256v1/,
    );
    assert.equal(
      parse([tenantYaml({ keys: [{ kid: 'k', alg: 'ES384', publicKey: ec('secp384r1').publicKey }] })])[0]!.keys[0]!
        .alg,
      'ES384',
    );
  });
  test('EdDSA and unknown algs are refused with the supported list', () => {
    refused([tenantYaml({ keys: [{ kid: 'k', alg: 'EdDSA', publicKey: 'x' }] })], /alg must be one of RS256/);
    refused([tenantYaml({ keys: [{ kid: 'k', alg: 'none', secret: HS_SECRET }] })], /alg must be one of/);
  });
  test('a private key must belong to the public key; a lone private key yields its public half', () => {
    refused(
      [tenantYaml({ keys: [{ kid: 'k', alg: 'RS256', publicKey: rsa2048().publicKey, privateKey: ec().privateKey }] })],
      /does not belong/,
    );
    const t = parse([tenantYaml({ keys: [{ kid: 'k', alg: 'RS256', privateKey: rsa2048().privateKey }] })])[0]!;
    assert.match(t.keys[0]!.verifyKey, /BEGIN PUBLIC KEY/);
  });
  test('key material is not serialized with the tenant', () => {
    const t = parse([tenantYaml()])[0]!;
    assert.ok(t.keys[0]!.signKey);
    const json = JSON.stringify(t);
    assert.doesNotMatch(json, /PRIVATE KEY|PUBLIC KEY/);
  });
  test('relative key files resolve against the tenants file directory', () => {
    const tmp = tempDir();
    try {
      tmp.write('acme.pub.pem', rsa2048().publicKey);
      tmp.write('hs.secret', HS_SECRET + '\n');
      const file = tmp.write(
        'tenants.yaml',
        tenantsText([
          tenantYaml({
            keys: [
              { kid: 'rsa-1', alg: 'RS256', publicKeyFile: 'acme.pub.pem' },
              { kid: 'hs-1', alg: 'HS256', secretFile: './hs.secret' },
            ],
          }),
        ]),
      );
      const [t] = loadTenantsFile(file);
      assert.equal(t!.keys[1]!.verifyKey, HS_SECRET, 'the trailing newline of a secret file is not key material');
      tmp.write(
        'tenants2.yaml',
        tenantsText([tenantYaml({ keys: [{ kid: 'x', alg: 'RS256', publicKeyFile: 'missing.pem' }] })]),
      );
      assert.throws(
        () => loadTenantsFile(`${tmp.dir}/tenants2.yaml`),
        /keys\[0\]\.publicKeyFile must name a readable file.*missing\.pem.*ENOENT/,
      );
    } finally {
      tmp.cleanup();
    }
  });
});

describe('tenants file: fields', () => {
  test('defaults: limits, endOrphanedShells, allowMissingOrigin, identity', () => {
    const t = parse([tenantYaml({ identity: undefined })])[0]!;
    assert.deepEqual(t.limits, {
      maxConcurrentSessions: LIMIT_RULES.maxConcurrentSessions.def,
      maxSessionSeconds: LIMIT_RULES.maxSessionSeconds.def,
      idleTimeoutSeconds: LIMIT_RULES.idleTimeoutSeconds.def,
      connectsPerMinute: LIMIT_RULES.connectsPerMinute.def,
      resumeGraceSeconds: LIMIT_RULES.resumeGraceSeconds.def,
      resumeBufferBytes: LIMIT_RULES.resumeBufferBytes.def,
      maxObserversPerSession: LIMIT_RULES.maxObserversPerSession.def,
    });
    assert.equal(t.endOrphanedShells, true);
    assert.equal(t.allowMissingOrigin, false);
    assert.deepEqual(t.identity, { groups: [], extra: {} });
    assert.ok(Object.isFrozen(t) && Object.isFrozen(t.limits) && Object.isFrozen(t.namespaces));
  });
  test('limits out of range name the tenant, the field and the range', () => {
    refused(
      [tenantYaml({ limits: { maxConcurrentSessions: 0 } })],
      /tenant "acme": limits\.maxConcurrentSessions must be an integer from 1 to 100000, got 0/,
    );
    refused([tenantYaml({ limits: { idleTimeoutSeconds: 1.5 } })], /limits\.idleTimeoutSeconds must be an integer/);
    refused([tenantYaml({ limits: { maxSessions: 3 } })], /limits\.maxSessions is not a known field/);
  });
  test('origins must be exact canonical origins', () => {
    for (const o of [
      'https://app.example.com/',
      'https://App.example.com',
      'app.example.com',
      'https://app.example.com:443',
      'https://*.example.com',
      'ftp://x.test',
      'https://a.test/path',
    ]) {
      refused([tenantYaml({ allowedOrigins: [o] })], /allowedOrigins\[0\] must be an exact origin/);
    }
    assert.deepEqual(
      parse([tenantYaml({ allowedOrigins: ['http://localhost:8080', 'https://[::1]:8443'] })])[0]!.allowedOrigins,
      ['http://localhost:8080', 'https://[::1]:8443'],
    );
    refused(
      [tenantYaml({ allowedOrigins: [] })],
      /allowedOrigins must list at least one origin unless allowMissingOrigin/,
    );
  });
  test('namespaces, commands, names, unknown fields', () => {
    refused([tenantYaml({ namespaces: [] })], /namespaces must list at least 1/);
    refused([tenantYaml({ namespaces: ['Team_A'] })], /namespaces\[0\] must be a namespace glob/);
    refused([tenantYaml({ allowedCommands: ['ls -la'] })], /allowedCommands\[0\] must be a non-empty argv list/);
    refused([tenantYaml({ name: 'Acme Corp' })], /name must be a lower-case DNS label/);
    refused([tenantYaml({ namespace: ['x'] })], /namespace is not a known field/);
    refused([tenantYaml({ identity: { user: 'a\nb' } })], /identity\.user must be a printable string/);
  });
  test('issuers and names are unique across tenants', () => {
    refused(
      [tenantYaml(), tenantYaml({ name: 'other' })],
      /tenant "other": issuer must be unique across tenants, tenant "acme" already uses/,
    );
    refused([tenantYaml(), tenantYaml({ issuer: 'https://x.example' })], /name must be unique/);
  });
  test('YAML syntax errors and a missing tenants list are refused', () => {
    assert.throws(() => parse([]), /tenants must be a list of at least one tenant/);
    const tmp = tempDir();
    try {
      const f = tmp.write('bad.yaml', 'tenants:\n  - name: [unclosed\n');
      assert.throws(() => loadTenantsFile(f), /not valid YAML: .* at line \d+, column \d+$/);
      // The error names the place, never quotes the line (it could hold a secret).
      const g = tmp.write(
        'bad2.yaml',
        'tenants:\n  - name: x\n    keys:\n      - secret: "hunter2-secret\n  - b: [1\n',
      );
      assert.throws(
        () => loadTenantsFile(g),
        (e: Error) => /not valid YAML/.test(e.message) && !e.message.includes('hunter2') && !e.message.includes('- b'),
      );
      assert.throws(() => loadTenantsFile(`${tmp.dir}/nope.yaml`), /cannot be read \(ENOENT\); TENANTS_FILE/);
    } finally {
      tmp.cleanup();
    }
  });
  test('identity {sub} substitution', () => {
    const t = parse([
      tenantYaml({
        identity: { user: 'acme:{sub}', groups: ['g', 'u-{sub}'], extra: { 'acme.io/subject': ['{sub}'] } },
      }),
    ])[0]!;
    assert.deepEqual(resolveIdentity(t.identity, 'alice'), {
      user: 'acme:alice',
      groups: ['g', 'u-alice'],
      extra: { 'acme.io/subject': ['alice'] },
    });
  });
});

describe('examples/tenants.demo.yaml', () => {
  test('loads: tenant demo, origins, namespaces, a signing key, the demo group', () => {
    const file = fileURLToPath(new URL('../../../../examples/tenants.demo.yaml', import.meta.url));
    const [demo, ...rest] = loadTenantsFile(file);
    assert.equal(rest.length, 0);
    assert.equal(demo!.name, 'demo');
    assert.deepEqual(demo!.allowedOrigins, ['http://localhost:8080', 'http://127.0.0.1:8080']);
    assert.deepEqual(demo!.namespaces, ['default', 'team-a']);
    assert.ok(demo!.keys.some((k) => k.signKey !== undefined));
    assert.ok(demo!.identity.groups.includes('pod-shell:demo'));
  });
});
