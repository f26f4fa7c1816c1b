import assert from 'node:assert/strict';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createAuthenticator } from '../auth/authenticator.js';
import { mintToken } from '../auth/token-mint.js';
import { AuthError, ErrorCode } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { createTenantRegistry } from '../tenants/tenant-registry.js';
import type { Tenant } from '../tenants/tenant.js';
import { HS_SECRET, tempDir, tenantYaml, tenantsText } from './auth-fixtures.js';

const TIMEOUT_MS = 5000;

/** Resolves with the next value `subscribe` delivers, or rejects after a deadline. */
function next<T>(subscribe: (cb: (v: T) => void) => () => void, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, TIMEOUT_MS);
    const off = subscribe((v) => {
      clearTimeout(timer);
      off();
      resolve(v);
    });
  });
}

function hsTenant(name: string): Record<string, unknown> {
  return tenantYaml({
    name,
    issuer: `https://${name}.example`,
    keys: [{ kid: `${name}-hs`, alg: 'HS256', secret: HS_SECRET }],
    allowMissingOrigin: true,
  });
}

function setup() {
  const tmp = tempDir();
  const file = tmp.write('tenants.yaml', tenantsText([hsTenant('acme')]));
  const events = new Set<(e: Record<string, unknown>) => void>();
  const logger = createLogger({
    level: 'debug',
    sink: (line) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      for (const l of events) l(e);
    },
  });
  const registry = createTenantRegistry({ file, logger, debounceMs: 30 });
  const onLog = (cb: (e: Record<string, unknown>) => void) => {
    events.add(cb);
    return () => events.delete(cb);
  };
  const auth = createAuthenticator({
    tenants: registry,
    config: { clockToleranceSeconds: 5, maxTokenAgeSeconds: 3600 },
  });
  const token = (tenant: Tenant) =>
    mintToken({ tenant, sub: 'bob', target: { namespace: 'team-a', pod: 'p' }, ttlSeconds: 60 });
  return {
    tmp,
    file,
    registry,
    onLog,
    auth,
    token,
    close: () => {
      registry.close();
      tmp.cleanup();
    },
  };
}

describe('tenant registry reload', () => {
  test('an edit adding a tenant is applied without restart; its tokens are accepted', async () => {
    const s = setup();
    try {
      const beta = { ...s.registry.current()[0]!, name: 'beta', issuer: 'https://beta.example' };
      // Before the edit: unknown issuer.
      await assert.rejects(
        s.auth.authenticate({ token: s.token(beta), origin: null, clientIp: 'x' }),
        (e: AuthError) => e.code === ErrorCode.TOKEN_INVALID,
      );
      const reloaded = next<readonly Tenant[]>((cb) => s.registry.onReload(cb), 'reload');
      writeFileSync(s.file, tenantsText([hsTenant('acme'), hsTenant('beta')]));
      const tenants = await reloaded;
      assert.deepEqual(
        tenants.map((t) => t.name),
        ['acme', 'beta'],
      );
      const session = await s.auth.authenticate({
        token: s.token(s.registry.get('beta')!),
        origin: null,
        clientIp: 'x',
      });
      assert.equal(session.tenant.name, 'beta');
    } finally {
      s.close();
    }
  });

  test('a save by rename (how editors and ConfigMaps replace files) is picked up', async () => {
    const s = setup();
    try {
      const reloaded = next<readonly Tenant[]>((cb) => s.registry.onReload(cb), 'reload');
      const tmpFile = join(s.tmp.dir, '.tenants.yaml.swp');
      writeFileSync(tmpFile, tenantsText([hsTenant('gamma')]));
      renameSync(tmpFile, s.file);
      assert.deepEqual(
        (await reloaded).map((t) => t.name),
        ['gamma'],
      );
      assert.equal(s.registry.get('acme'), undefined);
      assert.equal(s.registry.byIssuer('https://gamma.example')?.name, 'gamma');
    } finally {
      s.close();
    }
  });

  test('a Kubernetes ConfigMap update (atomic ..data symlink swap) is picked up', async () => {
    const tmp = tempDir();
    try {
      // The kubelet's layout: the file is a symlink through `..data`, which is swapped by rename.
      mkdirSync(join(tmp.dir, '..v1'));
      writeFileSync(join(tmp.dir, '..v1', 'tenants.yaml'), tenantsText([hsTenant('acme')]));
      symlinkSync('..v1', join(tmp.dir, '..data'));
      symlinkSync('..data/tenants.yaml', join(tmp.dir, 'tenants.yaml'));
      const registry = createTenantRegistry({ file: join(tmp.dir, 'tenants.yaml'), debounceMs: 30 });
      try {
        assert.deepEqual(
          registry.current().map((t) => t.name),
          ['acme'],
        );
        const reloaded = next<readonly Tenant[]>((cb) => registry.onReload(cb), 'reload');
        mkdirSync(join(tmp.dir, '..v2'));
        writeFileSync(join(tmp.dir, '..v2', 'tenants.yaml'), tenantsText([hsTenant('acme'), hsTenant('omega')]));
        symlinkSync('..v2', join(tmp.dir, '..data_tmp'));
        renameSync(join(tmp.dir, '..data_tmp'), join(tmp.dir, '..data'));
        assert.deepEqual(
          (await reloaded).map((t) => t.name),
          ['acme', 'omega'],
        );
      } finally {
        registry.close();
      }
    } finally {
      tmp.cleanup();
    }
  });

  test('a broken edit is logged and the last good config stays in force', async () => {
    const s = setup();
    try {
      const acme = s.registry.get('acme')!;
      let reloads = 0;
      s.registry.onReload(() => reloads++);
      for (const broken of [
        'tenants:\n  - name: [oops\n',
        tenantsText([{ ...hsTenant('acme'), limits: { maxConcurrentSessions: -1 } }]),
      ]) {
        const failed = next<Record<string, unknown>>(
          (cb) =>
            s.onLog((e) => {
              if (e['event'] === 'tenants.reload_failed') cb(e);
            }),
          'reload_failed log',
        );
        writeFileSync(s.file, broken);
        const event = await failed;
        assert.match(String(event['message']), /tenants file .*tenants\.yaml/);
        assert.deepEqual(event['kept'], ['acme']);
        assert.equal(s.registry.get('acme'), acme);
        const session = await s.auth.authenticate({ token: s.token(acme), origin: null, clientIp: 'x' });
        assert.equal(session.tenant.name, 'acme');
      }
      assert.equal(reloads, 0);
      // Fixing the file applies the fix.
      const reloaded = next<readonly Tenant[]>((cb) => s.registry.onReload(cb), 'reload');
      writeFileSync(s.file, tenantsText([hsTenant('acme'), hsTenant('delta')]));
      assert.equal((await reloaded).length, 2);
    } finally {
      s.close();
    }
  });

  test('unchanged content does not reload; close() is idempotent and stops watching', () => {
    const s = setup();
    try {
      assert.equal(s.registry.reload(), false);
      writeFileSync(s.file, tenantsText([hsTenant('acme'), hsTenant('beta')]));
      assert.equal(s.registry.reload(), true);
      s.registry.close();
      s.registry.close();
      writeFileSync(s.file, tenantsText([hsTenant('acme')]));
      assert.equal(s.registry.reload(), false);
      assert.equal(s.registry.current().length, 2);
    } finally {
      s.close();
    }
  });

  test('the first load failing throws (the broker must not start without tenants)', () => {
    const tmp = tempDir();
    try {
      const file = tmp.write('tenants.yaml', 'tenants: []\n');
      assert.throws(
        () => createTenantRegistry({ file, watch: false }),
        (e: Error) => e instanceof AuthError === false && /tenants must be a list/.test(e.message),
      );
    } finally {
      tmp.cleanup();
    }
  });
});
