import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mintTenantAdminToken, TENANT_ADMIN_MAX_LIFETIME_SECONDS } from '../auth/tenant-admin-token.js';
import { mintToken, parseTtl } from '../auth/token-mint.js';
import type { TokenTarget } from '../auth/target-policy.js';
import { authorizeTarget, parseTarget } from '../auth/target-policy.js';
import { PodShellError } from '../errors.js';
import { loadTenantsFile } from '../tenants/tenants-file.js';

/** The most tokens one `--count` run writes (a load test's session count, with room to spare). */
export const MAX_TOKEN_COUNT = 1_000_000;

export const TOKEN_USAGE = `Usage: pod-shell-broker token --tenant NAME --sub SUBJECT --namespace NS --pod POD
                            [--container NAME] [--command ARGV] [--ttl 10m] [--kid KID]
                            [--tenants FILE] [--count N --out FILE]
       pod-shell-broker token --admin --tenant NAME --sub SUBJECT [--ttl 5m] [--kid KID] [--tenants FILE]
       pod-shell-broker token --observe SESSION_ID --tenant NAME --sub WATCHER [--ttl 10m] [--kid KID] [--tenants FILE]

Prints a token signed with the tenant's first key that holds a signing key (privateKey, or the HS
secret), in the layout of docs/tokens.md.

  --tenants FILE   tenants file (default: $TENANTS_FILE)
  --ttl DURATION   lifetime: 30s, 10m, 1h (1s..24h, default 10m)
  --command ARGV   a JSON array ('["ls","-la"]') or words split on spaces ('ls -la'); it must be one of
                   the tenant's allowedCommands. Omit it for the default shell.
  --kid KID        sign with this key instead of the first signing key
  --admin          a tenant admin token instead (aud "pod-shell-admin", scope "admin", no target,
                   at most 5m): it calls the tenant admin API on the public port (docs/admin-api.md)
  --observe ID     an observer token instead: watch the live session ID read-only (claim "observe", no
                   target; the tenant must set observers: true), see docs/tokens.md
  --count N        mint N tokens (1..${MAX_TOKEN_COUNT}), one per line, each with its own jti: one token per
                   session for load tests (docs/tokens.md). "{n}" in --sub becomes the token's 1-based
                   line number, so every session can have its own subject. Needs --out.
  --out FILE       write the tokens to FILE (mode 0600) instead of stdout; prints "wrote N tokens to FILE"
`;

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CommandIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

class UsageError extends Error {}

function parseCount(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const n = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TOKEN_COUNT)
    throw new UsageError(`--count must be an integer from 1 to ${MAX_TOKEN_COUNT}, got ${JSON.stringify(raw)}`);
  return n;
}

function parseCommand(raw: string): string[] {
  const trimmed = raw.trim();
  if (trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new UsageError('--command: not a valid JSON array');
    }
    if (!Array.isArray(value) || value.some((a) => typeof a !== 'string'))
      throw new UsageError('--command must be a JSON array of strings');
    return value as string[];
  }
  const words = trimmed.split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new UsageError('--command must not be empty');
  return words;
}

/**
 * `pod-shell-broker token …`: mints a token from the tenants file. Returns the exit code
 * (0 ok, 2 usage error, 1 anything else); the token alone goes to stdout, one line.
 */
/** `token --observe ID`: an observer token for one live session (claim `observe`, no target). */
function mintObserver(
  values: { tenant?: string; sub?: string; ttl?: string; kid?: string; tenants?: string; observe?: string } & Record<
    string,
    unknown
  >,
  env: Record<string, string | undefined>,
  io: CommandIo,
): number {
  for (const required of ['tenant', 'sub'] as const)
    if (!values[required]) throw new UsageError(`--${required} is required`);
  for (const targetFlag of ['namespace', 'pod', 'container', 'command', 'count'])
    if (values[targetFlag] !== undefined)
      throw new UsageError(`--observe tokens name no target: leave out --${targetFlag}`);
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(values.observe ?? ''))
    throw new UsageError("--observe must be a session id (the owner's hello.session, 16..64 base64url characters)");
  const file = values.tenants ?? env['TENANTS_FILE'];
  if (!file) throw new UsageError('--tenants FILE or TENANTS_FILE must name the tenants file');
  const ttlSeconds = parseTtl(values.ttl ?? '10m', '--ttl');
  const tenant = loadTenantsFile(file).find((t) => t.name === values.tenant);
  if (!tenant) throw new UsageError(`--tenant: no tenant named ${JSON.stringify(values.tenant)} in ${file}`);
  if (tenant.observers !== true)
    throw new UsageError(
      `tenant ${JSON.stringify(tenant.name)} does not set observers: true: the broker would refuse this token`,
    );
  io.stdout(
    mintToken({
      tenant,
      sub: values.sub!,
      observe: values.observe!,
      ttlSeconds,
      ...(values.kid !== undefined ? { kid: values.kid } : {}),
    }) + '\n',
  );
  return 0;
}

/** `token --admin`: a tenant admin token (auth/tenant-admin-token.ts). */
function mintAdmin(
  values: {
    tenant?: string;
    sub?: string;
    ttl?: string;
    kid?: string;
    tenants?: string;
    namespace?: string;
    pod?: string;
  },
  env: Record<string, string | undefined>,
  io: CommandIo,
): number {
  for (const required of ['tenant', 'sub'] as const)
    if (!values[required]) throw new UsageError(`--${required} is required`);
  if (values.namespace !== undefined || values.pod !== undefined)
    throw new UsageError('--admin tokens name no target: leave out --namespace and --pod');
  const file = values.tenants ?? env['TENANTS_FILE'];
  if (!file) throw new UsageError('--tenants FILE or TENANTS_FILE must name the tenants file');
  const ttlSeconds = parseTtl(values.ttl ?? '5m', '--ttl');
  if (ttlSeconds > TENANT_ADMIN_MAX_LIFETIME_SECONDS)
    throw new UsageError(`--ttl: an admin token lives at most ${TENANT_ADMIN_MAX_LIFETIME_SECONDS / 60}m`);
  const tenant = loadTenantsFile(file).find((t) => t.name === values.tenant);
  if (!tenant) throw new UsageError(`--tenant: no tenant named ${JSON.stringify(values.tenant)} in ${file}`);
  io.stdout(
    mintTenantAdminToken({
      tenant,
      sub: values.sub!,
      ttlSeconds,
      ...(values.kid !== undefined ? { kid: values.kid } : {}),
    }) + '\n',
  );
  return 0;
}

export function runTokenCommand(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  io: CommandIo = defaultIo,
): Promise<number> {
  // Minting is synchronous (keys from the tenants file); the promise keeps the CLI's command shape.
  return new Promise((resolve) => resolve(tokenCommand(argv, env, io)));
}

function tokenCommand(argv: string[], env: Record<string, string | undefined>, io: CommandIo): number {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        tenant: { type: 'string' },
        sub: { type: 'string' },
        namespace: { type: 'string' },
        pod: { type: 'string' },
        container: { type: 'string' },
        command: { type: 'string' },
        ttl: { type: 'string' },
        kid: { type: 'string' },
        tenants: { type: 'string' },
        admin: { type: 'boolean' },
        observe: { type: 'string' },
        count: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(TOKEN_USAGE);
      return 0;
    }
    if (values.admin) return mintAdmin(values, env, io);
    if (values.observe !== undefined) return mintObserver(values, env, io);
    for (const required of ['tenant', 'sub', 'namespace', 'pod'] as const) {
      if (!values[required]) throw new UsageError(`--${required} is required`);
    }
    const file = values.tenants ?? env['TENANTS_FILE'];
    if (!file) throw new UsageError('--tenants FILE or TENANTS_FILE must name the tenants file');
    const ttlSeconds = parseTtl(values.ttl ?? '10m', '--ttl');
    const count = parseCount(values.count);
    if (values.count !== undefined && values.out === undefined)
      throw new UsageError('--count needs --out FILE (a load test reads its tokens from a file)');
    const tenants = loadTenantsFile(file);
    const tenant = tenants.find((t) => t.name === values.tenant);
    if (!tenant)
      throw new UsageError(
        `--tenant: no tenant named ${JSON.stringify(values.tenant)} in ${file} (tenants: ${tenants.map((t) => t.name).join(', ')})`,
      );
    const rawTarget: Record<string, unknown> = { namespace: values.namespace, pod: values.pod };
    if (values.container !== undefined) rawTarget['container'] = values.container;
    if (values.command !== undefined) rawTarget['command'] = parseCommand(values.command);
    // The same target checks the broker applies, so a token that would be refused is not printed.
    let target: TokenTarget;
    try {
      target = parseTarget(rawTarget);
    } catch (err) {
      throw new UsageError((err as Error).message.replace('token target claim is malformed: ', ''));
    }
    try {
      authorizeTarget(tenant, target);
    } catch (err) {
      throw new UsageError(`${(err as Error).message}: the broker would refuse this token`);
    }
    const now = Date.now();
    const lines: string[] = [];
    for (let n = 1; n <= count; n++) {
      const opts: Parameters<typeof mintToken>[0] = {
        tenant,
        sub: values.sub!.replaceAll('{n}', String(n)),
        target,
        ttlSeconds,
        now,
      };
      if (values.kid !== undefined) opts.kid = values.kid;
      lines.push(mintToken(opts));
    }
    const text = lines.join('\n') + '\n';
    if (values.out === undefined) {
      io.stdout(text);
      return 0;
    }
    writeFileSync(values.out, text, { mode: 0o600 });
    io.stderr(`wrote ${count} token${count === 1 ? '' : 's'} to ${values.out}\n`);
    return 0;
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
    ) {
      io.stderr(`pod-shell-broker token: ${err.message}\n\n${TOKEN_USAGE}`);
      return 2;
    }
    if (err instanceof PodShellError) {
      io.stderr(`pod-shell-broker token: ${err.message}\n`);
      return err.code === 'PS_ERR_CONFIG_INVALID' ? 2 : 1;
    }
    io.stderr(`pod-shell-broker token: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
