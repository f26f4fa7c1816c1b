import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { DEFAULT_SHELL_COMMAND } from '../auth/default-command.js';
import { ConfigError } from '../errors.js';
import { loadFileTransferPolicy } from './file-transfer-policy.js';
import { loadDebugPolicy } from './debug-policy.js';
import { Fields } from './field-checks.js';
import { NAMESPACE_GLOB_PATTERN } from './glob.js';
import type { Tenant, TenantIdentity, TenantLimits } from './tenant.js';
import { loadTenantKey } from './tenant-keys.js';

/**
 * The tenants file (docs/tenants.md): YAML with one top-level `tenants:` list. Everything is validated
 * at load; a file with any error is refused as a whole (the registry then keeps the last good one).
 */

/** Defaults and valid ranges of `limits` (docs/tenants.md renders the same table). */
export const LIMIT_RULES: Record<keyof TenantLimits, { def: number; min: number; max: number }> = {
  maxConcurrentSessions: { def: 100, min: 1, max: 100_000 },
  maxSessionSeconds: { def: 3600, min: 1, max: 7 * 24 * 3600 },
  idleTimeoutSeconds: { def: 900, min: 1, max: 7 * 24 * 3600 },
  connectsPerMinute: { def: 60, min: 1, max: 1_000_000 },
  resumeGraceSeconds: { def: 60, min: 0, max: 3600 },
  resumeBufferBytes: { def: 256 * 1024, min: 4096, max: 16 * 1024 * 1024 },
  maxObserversPerSession: { def: 5, min: 1, max: 1000 },
};

const TENANT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EXTRA_KEY = /^[a-z0-9]([a-z0-9._/-]{0,126}[a-z0-9])?$/;
// A Kubernetes user or group name is sent in an HTTP header: printable, no control characters.
const HEADER_SAFE = /^[\x20-\x7e]{1,256}$/;
const TENANT_FIELDS = [
  'name',
  'issuer',
  'audience',
  'keys',
  'allowedOrigins',
  'allowMissingOrigin',
  'namespaces',
  'allowedCommands',
  'defaultCommand',
  'identity',
  'kubeContext',
  'limits',
  'endOrphanedShells',
  'debugContainers',
  'fileTransfer',
  'observers',
];

/**
 * An origin as browsers send it: `scheme://host[:port]`, lower-case, no path, no default port.
 * Writing it any other way could never match a real `Origin` header, so it is an error, not a silent miss.
 */
export function canonicalOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return null;
  // No wildcards or other oddities: a host name, an IPv4 address or a bracketed IPv6 address.
  if (!/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$|^\[[0-9a-f:.]+\]$/.test(url.hostname))
    return null;
  return url.origin === value ? value : null;
}

function argv(f: Fields, field: string, value: unknown, i: number | null): string[] {
  const path = i === null ? field : `${field}[${i}]`;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((a) => typeof a !== 'string' || a.length === 0 || a.includes('\0'))
  ) {
    f.fail(path, 'must be a non-empty argv list of non-empty strings, e.g. ["/bin/sh", "-c", "top"]', value);
  }
  return value as string[];
}

function loadIdentity(f: Fields): TenantIdentity {
  f.onlyKnown(['user', 'groups', 'extra']);
  const identity: TenantIdentity = {
    groups: f.stringList('groups', { pattern: HEADER_SAFE, rule: 'a printable string of 1..256 characters' }),
    extra: {},
  };
  const user = f.optionalString('user', {
    pattern: HEADER_SAFE,
    rule: 'must be a printable string of 1..256 characters (may contain {sub})',
  });
  if (user !== undefined) identity.user = user;
  const extra = f.object('extra');
  for (const key of Object.keys((f.raw('extra') as object | null | undefined) ?? {})) {
    if (!EXTRA_KEY.test(key))
      extra.fail(key, 'is not a valid extra key (lower-case letters, digits, ".", "_", "/", "-")');
    identity.extra[key] = extra.stringList(key, {
      pattern: HEADER_SAFE,
      rule: 'a printable string of 1..256 characters',
    });
  }
  return identity;
}

function loadLimits(f: Fields): TenantLimits {
  f.onlyKnown(Object.keys(LIMIT_RULES));
  const out = {} as TenantLimits;
  for (const [name, r] of Object.entries(LIMIT_RULES) as [
    keyof TenantLimits,
    (typeof LIMIT_RULES)[keyof TenantLimits],
  ][]) {
    out[name] = f.int(name, r.def, r.min, r.max);
  }
  return out;
}

function loadTenant(raw: unknown, index: number, file: string, baseDir: string): Tenant {
  const label =
    raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string'
      ? `tenant ${JSON.stringify((raw as { name: string }).name)}`
      : `tenants[${index}]`;
  const f: Fields = Fields.of(raw, `tenants file ${file}: ${label}`, '');
  f.onlyKnown(TENANT_FIELDS);
  const name = f.string('name', {
    pattern: TENANT_NAME,
    rule: 'must be a lower-case DNS label (a-z, 0-9, "-", 1..63 characters)',
  });
  const issuer = f.string('issuer', { maxLength: 512 });
  const audience = f.string('audience', { maxLength: 512 });
  const keys = f.objectList('keys', 1).map((k) => loadTenantKey(k, baseDir));
  const kids = new Set<string>();
  keys.forEach((k, i) => {
    if (kids.has(k.kid)) f.fail(`keys[${i}].kid`, 'must be unique within the tenant', k.kid);
    kids.add(k.kid);
  });
  const allowedOrigins = f.stringList('allowedOrigins', { rule: 'an origin string' });
  allowedOrigins.forEach((o, i) => {
    if (canonicalOrigin(o) === null) {
      f.fail(
        `allowedOrigins[${i}]`,
        'must be an exact origin as browsers send it: scheme://host[:port], lower-case, http or https, no path, no trailing slash, no default port',
        o,
      );
    }
  });
  const namespaces = f.stringList('namespaces', {
    min: 1,
    pattern: NAMESPACE_GLOB_PATTERN,
    rule: 'a namespace glob of 1..63 characters from a-z, 0-9, "-", "*", "?"',
  });
  const commandsRaw = f.raw('allowedCommands');
  if (commandsRaw !== undefined && commandsRaw !== null && !Array.isArray(commandsRaw))
    f.fail('allowedCommands', 'must be a list of argv lists', commandsRaw);
  const allowedCommands = ((commandsRaw as unknown[] | undefined) ?? []).map((c, i) =>
    argv(f, 'allowedCommands', c, i),
  );
  const defaultCommand = f.has('defaultCommand')
    ? argv(f, 'defaultCommand', f.raw('defaultCommand'), null)
    : [...DEFAULT_SHELL_COMMAND];
  const tenant: Tenant = {
    name,
    issuer,
    audience,
    keys,
    allowedOrigins,
    allowMissingOrigin: f.bool('allowMissingOrigin', false),
    namespaces,
    allowedCommands,
    defaultCommand,
    identity: loadIdentity(f.object('identity')),
    limits: loadLimits(f.object('limits')),
    endOrphanedShells: f.bool('endOrphanedShells', true),
    debugContainers: loadDebugPolicy(f.object('debugContainers')),
    fileTransfer: loadFileTransferPolicy(f.object('fileTransfer')),
    observers: f.bool('observers', false),
  };
  const kubeContext = f.optionalString('kubeContext', { maxLength: 253 });
  if (kubeContext !== undefined) tenant.kubeContext = kubeContext;
  if (allowedOrigins.length === 0 && !tenant.allowMissingOrigin) {
    f.fail(
      'allowedOrigins',
      'must list at least one origin unless allowMissingOrigin is true (otherwise no client could ever connect)',
    );
  }
  return deepFreeze(tenant);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Parses tenants YAML text. `file` names the source in error messages; relative key files resolve
 * against `baseDir`. Throws ConfigError (PS_ERR_TENANTS_INVALID) naming the tenant, field and range.
 */
export function parseTenants(text: string, options: { file: string; baseDir: string }): readonly Tenant[] {
  const { file, baseDir } = options;
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Only the first line ("… at line L, column C"): the pretty excerpt after it could quote a secret.
    const first = doc.errors[0]!.message.split(':\n')[0]!;
    throw new ConfigError(`tenants file ${file}: not valid YAML: ${first}`, { tenants: true });
  }
  const root: Fields = Fields.of(doc.toJS({ maxAliasCount: 50 }), `tenants file ${file}`, '');
  root.onlyKnown(['tenants']);
  const list = root.raw('tenants');
  if (!Array.isArray(list) || list.length === 0) root.fail('tenants', 'must be a list of at least one tenant', list);
  const tenants = list.map((t, i) => loadTenant(t, i, file, baseDir));
  const names = new Map<string, number>();
  const issuers = new Map<string, string>();
  for (const t of tenants) {
    if (names.has(t.name))
      throw new ConfigError(
        `tenants file ${file}: tenant ${JSON.stringify(t.name)}: name must be unique, it appears twice`,
        { tenants: true },
      );
    names.set(t.name, 1);
    const other = issuers.get(t.issuer);
    // The issuer selects the tenant before any signature is checked, so two tenants may never share one.
    if (other !== undefined) {
      throw new ConfigError(
        `tenants file ${file}: tenant ${JSON.stringify(t.name)}: issuer must be unique across tenants, tenant ${JSON.stringify(other)} already uses ${JSON.stringify(t.issuer)}`,
        { tenants: true },
      );
    }
    issuers.set(t.issuer, t.name);
  }
  return Object.freeze(tenants);
}

/** Reads and parses a tenants file from disk. */
export function loadTenantsFile(path: string): readonly Tenant[] {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      `tenants file ${abs}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}); TENANTS_FILE must name a readable YAML file`,
      { tenants: true, cause },
    );
  }
  return parseTenants(text, { file: abs, baseDir: dirname(abs) });
}
