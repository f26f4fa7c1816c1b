import { AuthError, ErrorCode } from '../errors.js';
import { matchesAny } from '../tenants/glob.js';
import type { Tenant } from '../tenants/tenant.js';
import { DEFAULT_SHELL_COMMAND } from './default-command.js';

/** The `target` claim: the one container a token opens a shell in. The broker never takes it from the URL. */
export interface TokenTarget {
  namespace: string;
  pod: string;
  container?: string;
  command?: string[];
}

/** A target the tenant's policy allowed, with the command resolved. */
export interface AuthorizedTarget {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
}

// Kubernetes name rules: namespaces and containers are RFC 1123 labels, pods RFC 1123 subdomains.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_ARGV = 64;
const MAX_ARG_LENGTH = 4096;

function malformed(why: string): never {
  throw new AuthError(ErrorCode.TOKEN_INVALID, `token target claim is malformed: ${why}`);
}

/** Parses the signed `target` claim; anything unexpected makes the token invalid (401), not forbidden. */
export function parseTarget(claim: unknown): TokenTarget {
  if (claim === null || typeof claim !== 'object' || Array.isArray(claim))
    malformed('it must be an object {namespace, pod, container?, command?}');
  const c = claim as Record<string, unknown>;
  for (const k of Object.keys(c))
    if (!['namespace', 'pod', 'container', 'command'].includes(k)) malformed(`unknown field "${k.slice(0, 32)}"`);
  if (typeof c['namespace'] !== 'string' || !DNS_LABEL.test(c['namespace']))
    malformed('namespace must be a Kubernetes namespace name');
  if (typeof c['pod'] !== 'string' || !DNS_SUBDOMAIN.test(c['pod'])) malformed('pod must be a Kubernetes pod name');
  const target: TokenTarget = { namespace: c['namespace'], pod: c['pod'] };
  if (c['container'] !== undefined) {
    if (typeof c['container'] !== 'string' || !DNS_LABEL.test(c['container']))
      malformed('container must be a Kubernetes container name');
    target.container = c['container'];
  }
  if (c['command'] !== undefined) {
    const cmd = c['command'];
    if (
      !Array.isArray(cmd) ||
      cmd.length === 0 ||
      cmd.length > MAX_ARGV ||
      cmd.some((a) => typeof a !== 'string' || a.length === 0 || a.length > MAX_ARG_LENGTH || a.includes('\0'))
    ) {
      malformed(`command must be a non-empty argv array of at most ${MAX_ARGV} non-empty strings`);
    }
    target.command = [...(cmd as string[])];
  }
  return target;
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The command used when a token names none. */
export function defaultCommandOf(tenant: Tenant): string[] {
  return [...(tenant.defaultCommand ?? DEFAULT_SHELL_COMMAND)];
}

/** Whether argv is exactly one of the tenant's allowed commands or its default command. */
export function commandAllowed(tenant: Tenant, argv: readonly string[]): boolean {
  return (
    sameArgv(argv, tenant.defaultCommand ?? DEFAULT_SHELL_COMMAND) ||
    tenant.allowedCommands.some((c) => sameArgv(c, argv))
  );
}

/**
 * Applies the tenant's policy (threat 12): the namespace must match one of the tenant's globs and the
 * command must be allowed verbatim (argv equality, never a prefix). Violations are 403, not 401:
 * the token was genuine, it just asks for something this tenant may not have.
 */
export function authorizeTarget(tenant: Tenant, target: TokenTarget): AuthorizedTarget {
  if (!matchesAny(tenant.namespaces, target.namespace)) {
    throw new AuthError(
      ErrorCode.TARGET_FORBIDDEN,
      `namespace "${target.namespace}" is not allowed for tenant "${tenant.name}"`,
    );
  }
  const command = target.command ?? defaultCommandOf(tenant);
  if (!commandAllowed(tenant, command)) {
    throw new AuthError(
      ErrorCode.TARGET_FORBIDDEN,
      `the token's command is not in the allowed commands of tenant "${tenant.name}"`,
    );
  }
  const out: AuthorizedTarget = { namespace: target.namespace, pod: target.pod, command: [...command] };
  if (target.container !== undefined) out.container = target.container;
  return out;
}
