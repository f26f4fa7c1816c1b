import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseTenants } from '../tenants/tenants-file.js';
import type { Tenant } from '../tenants/tenant.js';

/**
 * Shared fixtures for the auth and tenants tests (no tests here). Keys are generated per process,
 * never stored: each test run proves the checks against fresh key material.
 */

export interface Pem {
  publicKey: string;
  privateKey: string;
}

function pair(type: 'rsa' | 'ec', opts: { modulusLength?: number; namedCurve?: string }): Pem {
  const { publicKey, privateKey } = generateKeyPairSync(type as 'rsa', opts as { modulusLength: number });
  return {
    publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

let rsaCache: Pem | undefined;
export function rsa2048(): Pem {
  return (rsaCache ??= pair('rsa', { modulusLength: 2048 }));
}
export function rsa1024(): Pem {
  return pair('rsa', { modulusLength: 1024 });
}
export function ec(curve: 'prime256v1' | 'secp384r1' | 'secp521r1' = 'prime256v1'): Pem {
  return pair('ec', { namedCurve: curve });
}

export const HS_SECRET = 'test-only-secret-0123456789abcdef-0123456789';

/** A plain tenant object (as YAML would hold it); override any field. */
export function tenantYaml(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'acme',
    issuer: 'https://acme.example',
    audience: 'pod-shell',
    keys: [{ kid: 'rsa-1', alg: 'RS256', publicKey: rsa2048().publicKey, privateKey: rsa2048().privateKey }],
    allowedOrigins: ['https://app.example.com'],
    namespaces: ['team-a', 'acme-*'],
    allowedCommands: [['/bin/sh'], ['ls', '-la']],
    identity: { user: 'acme:{sub}', groups: ['pod-shell:acme'] },
    ...overrides,
  };
}

export function tenantsText(tenants: Record<string, unknown>[]): string {
  return stringify({ tenants });
}

export function parse(tenants: Record<string, unknown>[], baseDir = tmpdir()): readonly Tenant[] {
  return parseTenants(tenantsText(tenants), { file: 'test.yaml', baseDir });
}

/** A temporary directory removed by the returned cleanup function. */
export function tempDir(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pod-shell-auth-'));
  return {
    dir,
    write(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Builds a compact JWS by hand, so tests can forge what jsonwebtoken would refuse to produce. */
export function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  sign: { hmac?: string | Buffer; rsaPrivate?: string; none?: boolean },
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (sign.none) return `${input}.`;
  if (sign.hmac !== undefined) {
    const alg = typeof header['alg'] === 'string' ? header['alg'] : 'HS256';
    const hash = alg === 'HS512' ? 'sha512' : alg === 'HS384' ? 'sha384' : 'sha256';
    return `${input}.${createHmac(hash, sign.hmac).update(input).digest('base64url')}`;
  }
  const signer = createSign('sha256');
  signer.update(input);
  return `${input}.${signer.sign(sign.rsaPrivate!).toString('base64url')}`;
}

export const NOW_MS = 1_800_000_000_000;
export const NOW = NOW_MS / 1000;

/** Valid claims for the default `acme` tenant at NOW. */
export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'https://acme.example',
    aud: 'pod-shell',
    sub: 'alice',
    iat: NOW - 10,
    exp: NOW + 600,
    target: { namespace: 'team-a', pod: 'web-0' },
    ...overrides,
  };
}

export const CONFIG = { clockToleranceSeconds: 30, maxTokenAgeSeconds: 3600 };
