import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { createAuthenticator } from '../auth/authenticator.js';
import { DEFAULT_SHELL_COMMAND } from '../auth/default-command.js';
import { mintToken, parseTtl } from '../auth/token-mint.js';
import { runTokenCommand } from '../cli/token-command.js';
import { ConfigError } from '../errors.js';
import { loadTenantsFile } from '../tenants/tenants-file.js';
import { HS_SECRET, parse, tenantYaml } from './auth-fixtures.js';

const DEMO = fileURLToPath(new URL('../../../../examples/tenants.demo.yaml', import.meta.url));
const DIST = fileURLToPath(new URL('..', import.meta.url));
const config = { clockToleranceSeconds: 5, maxTokenAgeSeconds: 86400 };

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  let out = '';
  let err = '';
  const code = await runTokenCommand(argv, env, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

describe('token minting', () => {
  test('parseTtl: 30s, 10m, 1h, bare seconds; bounded with a clear error', () => {
    assert.equal(parseTtl('30s'), 30);
    assert.equal(parseTtl('10m'), 600);
    assert.equal(parseTtl('1h'), 3600);
    assert.equal(parseTtl('45'), 45);
    for (const bad of ['0s', '25h', '10 minutes', '-5s', '1d', '', '1.5h']) {
      assert.throws(
        () => parseTtl(bad, '--ttl'),
        (e: Error) =>
          e instanceof ConfigError && /--ttl must be a duration like 30s, 10m or 1h, from 1s to 24h/.test(e.message),
      );
    }
  });

  test('mintToken: claim layout, kid and pinned alg in the header, accepted by the authenticator', async () => {
    const [demo] = loadTenantsFile(DEMO);
    const now = Date.now();
    const token = mintToken({
      tenant: demo!,
      sub: 'alice',
      target: { namespace: 'team-a', pod: 'demo', container: 'shell' },
      ttlSeconds: 120,
      now,
    });
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(header['alg'], demo!.keys[0]!.alg);
    assert.equal(header['kid'], demo!.keys[0]!.kid);
    const p = payloadOf(token);
    assert.deepEqual(Object.keys(p).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'sub', 'target']);
    assert.equal(p['exp'], (p['iat'] as number) + 120);
    assert.equal(String(p['jti']).length, 22);
    const s = await createAuthenticator({ tenants: [demo!], config }).authenticate({
      token,
      origin: 'http://localhost:8080',
      clientIp: 'x',
    });
    assert.deepEqual([s.subject, s.namespace, s.pod, s.container], ['alice', 'team-a', 'demo', 'shell']);
  });

  test('mintToken refuses a tenant without a signing key', () => {
    const [t] = parse([
      tenantYaml({
        keys: [
          { kid: 'pub', alg: 'RS256', publicKey: (tenantYaml()['keys'] as { publicKey: string }[])[0]!.publicKey },
        ],
      }),
    ]);
    assert.throws(
      () => mintToken({ tenant: t!, sub: 'a', target: { namespace: 'team-a', pod: 'p' }, ttlSeconds: 60 }),
      /no key that can sign/,
    );
    const [hs] = parse([tenantYaml({ keys: [{ kid: 'hs', alg: 'HS384', secret: HS_SECRET + HS_SECRET }] })]);
    const token = mintToken({ tenant: hs!, sub: 'a', target: { namespace: 'team-a', pod: 'p' }, ttlSeconds: 60 });
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { alg?: string };
    assert.equal(header.alg, 'HS384');
  });

  test('runTokenCommand prints one verifiable token; TENANTS_FILE is the default file', async () => {
    const r = await run(
      [
        '--tenant',
        'demo',
        '--sub',
        'bob',
        '--namespace',
        'default',
        '--pod',
        'demo',
        '--ttl',
        '30s',
        '--command',
        '/bin/sh',
      ],
      { TENANTS_FILE: DEMO },
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const p = payloadOf(r.out.trim());
    assert.equal((p['exp'] as number) - (p['iat'] as number), 30);
    assert.deepEqual(p['target'], { namespace: 'default', pod: 'demo', command: ['/bin/sh'] });
    const s = await createAuthenticator({ tenants: loadTenantsFile(DEMO), config }).authenticate({
      token: r.out.trim(),
      origin: null,
      clientIp: 'x',
    });
    assert.deepEqual(s.command, ['/bin/sh']);
  });

  test('runTokenCommand: usage errors exit 2 with a clear message and no token', async () => {
    const cases: [string[], RegExp][] = [
      [['--sub', 'a', '--namespace', 'default', '--pod', 'p'], /--tenant is required/],
      [
        ['--tenant', 'demo', '--sub', 'a', '--namespace', 'default', '--pod', 'p', '--ttl', '2d'],
        /--ttl must be a duration/,
      ],
      [
        ['--tenant', 'nope', '--sub', 'a', '--namespace', 'default', '--pod', 'p'],
        /no tenant named "nope".*tenants: demo/,
      ],
      [
        ['--tenant', 'demo', '--sub', 'a', '--namespace', 'kube-system', '--pod', 'p'],
        /namespace "kube-system" is not allowed.*would refuse/,
      ],
      [
        ['--tenant', 'demo', '--sub', 'a', '--namespace', 'default', '--pod', 'p', '--command', 'rm -rf /'],
        /not in the allowed commands/,
      ],
      [
        ['--tenant', 'demo', '--sub', 'a', '--namespace', 'default', '--pod', 'P!'],
        /pod must be a Kubernetes pod name/,
      ],
      [['--tenant', 'demo', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [argv, pattern] of cases) {
      const r = await run(argv, { TENANTS_FILE: DEMO });
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.equal(r.out, '');
      assert.match(r.err, pattern);
    }
    const noFile = await run(['--tenant', 'demo', '--sub', 'a', '--namespace', 'default', '--pod', 'p']);
    assert.equal(noFile.code, 2);
    assert.match(noFile.err, /TENANTS_FILE/);
  });

  test('runTokenCommand --observe: an observer token (observe claim, no target) for a tenant that allows observers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pod-shell-observe-token-'));
    try {
      const file = join(dir, 'tenants.yaml');
      writeFileSync(file, readFileSync(DEMO, 'utf8').replace('    limits:\n', '    observers: true\n    limits:\n'));
      const id = 'q1Vd0n3m7Qy2cS0J8o1x9A';
      const r = await run(['--observe', id, '--tenant', 'demo', '--sub', 'watcher', '--ttl', '2m'], {
        TENANTS_FILE: file,
      });
      assert.equal(r.code, 0, r.err);
      const p = payloadOf(r.out.trim());
      assert.equal(p['observe'], id);
      assert.equal(p['target'], undefined);
      assert.equal((p['exp'] as number) - (p['iat'] as number), 120);
      const w = await createAuthenticator({ tenants: loadTenantsFile(file), config }).authenticateObserver({
        token: r.out.trim(),
        origin: null,
        clientIp: 'x',
      });
      assert.deepEqual([w.subject, w.sessionId], ['watcher', id]);
      const refused: [string[], Record<string, string>, RegExp][] = [
        [['--observe', id, '--tenant', 'demo', '--sub', 'w'], { TENANTS_FILE: DEMO }, /does not set observers: true/],
        [
          ['--observe', id, '--tenant', 'demo', '--sub', 'w', '--pod', 'demo'],
          { TENANTS_FILE: file },
          /name no target/,
        ],
        [['--observe', '../x', '--tenant', 'demo', '--sub', 'w'], { TENANTS_FILE: file }, /must be a session id/],
      ];
      for (const [argv, env, pattern] of refused) {
        const bad = await run(argv, env);
        assert.equal(bad.code, 2, bad.err);
        assert.equal(bad.out, '');
        assert.match(bad.err, pattern);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('end to end in a child process (the CLI when built, else the command module)', async () => {
    const cli = `${DIST}cli.js`;
    const args = [
      'token',
      '--tenant',
      'demo',
      '--sub',
      'carol',
      '--namespace',
      'team-a',
      '--pod',
      'demo',
      '--ttl',
      '1h',
    ];
    const nodeArgs = existsSync(cli)
      ? [cli, ...args]
      : [
          '--input-type=module',
          '-e',
          `import(${JSON.stringify(`${DIST}cli/token-command.js`)}).then(async (m) => { process.exitCode = await m.runTokenCommand(process.argv.slice(1)); })`,
          '--',
          ...args.slice(1),
        ];
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      execFile(
        process.execPath,
        nodeArgs,
        { env: { ...process.env, TENANTS_FILE: DEMO }, timeout: 20_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout })),
      );
    });
    const token = stdout.trim().split('\n').pop()!;
    const s = await createAuthenticator({ tenants: loadTenantsFile(DEMO), config }).authenticate({
      token,
      origin: 'http://127.0.0.1:8080',
      clientIp: 'x',
    });
    assert.equal(s.subject, 'carol');
    assert.deepEqual(s.command, [...DEFAULT_SHELL_COMMAND]);
    assert.equal(s.tokenExpiresAt - Date.now() > 3500_000, true);
  });

  test('--count N --out FILE: N verifiable tokens, one per line, own jti each, {n} numbers the subject', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pod-shell-tokens-'));
    try {
      const out = join(dir, 'tokens.txt');
      const r = await run(
        [
          '--tenant',
          'demo',
          '--sub',
          'load-{n}',
          '--namespace',
          'default',
          '--pod',
          'echo-0',
          '--ttl',
          '1h',
          '--count',
          '25',
          '--out',
          out,
        ],
        { TENANTS_FILE: DEMO },
      );
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, '', 'tokens go to the file, not stdout');
      assert.match(r.err, /wrote 25 tokens to /);
      assert.equal(statSync(out).mode & 0o777, 0o600);
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 25);
      const payloads = lines.map(payloadOf);
      assert.deepEqual(
        payloads.map((p) => p['sub']),
        Array.from({ length: 25 }, (_, i) => `load-${i + 1}`),
      );
      assert.equal(new Set(payloads.map((p) => p['jti'])).size, 25);
      const auth = createAuthenticator({ tenants: loadTenantsFile(DEMO), config });
      const s = await auth.authenticate({ token: lines[24]!, origin: null, clientIp: 'x' });
      assert.deepEqual([s.subject, s.pod], ['load-25', 'echo-0']);
      for (const argv of [
        ['--count', '0', '--out', out],
        ['--count', 'x', '--out', out],
        ['--count', '3'],
      ]) {
        const bad = await run(['--tenant', 'demo', '--sub', 'a', '--namespace', 'default', '--pod', 'demo', ...argv], {
          TENANTS_FILE: DEMO,
        });
        assert.equal(bad.code, 2, argv.join(' '));
        assert.match(bad.err, /--count/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
