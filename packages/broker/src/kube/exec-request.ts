import type { ResolvedIdentity } from '../tenants/identity.js';

/** What one upstream exec opens: always stdin + stdout + a TTY (stderr merges into stdout with a TTY). */
export interface ExecTarget {
  namespace: string;
  pod: string;
  /** Unset: the pod's default container (the apiserver picks it or answers 400). */
  container?: string;
  command: readonly string[];
  tty: boolean;
  /** Attach to the container's main process (a debug container's shell) instead of exec'ing `command`. */
  attach?: boolean;
}

/**
 * `<server>/api/v1/namespaces/N/pods/P/exec?command=…&container=…&stdin=true&stdout=true&tty=true`
 * (or `…/attach?container=…` without `command` for an attach),
 * one `command` parameter per argv element (no shell splitting), kubectl's key order, false flags
 * omitted. The target comes from the verified token only.
 */
export function execUrl(server: string, target: ExecTarget): string {
  const wsBase = server.replace(/^http(s?):\/\//, 'ws$1://').replace(/\/+$/, '');
  const params = new URLSearchParams();
  if (target.attach !== true) for (const arg of target.command) params.append('command', arg);
  if (target.container !== undefined && target.container !== '') params.append('container', target.container);
  params.append('stdin', 'true');
  params.append('stdout', 'true');
  if (!target.tty) params.append('stderr', 'true');
  if (target.tty) params.append('tty', 'true');
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/${target.attach === true ? 'attach' : 'exec'}`;
  return `${wsBase}${path}?${params.toString()}`;
}

/**
 * `Impersonate-User`, one `Impersonate-Group` per group, and `Impersonate-Extra-<key>` (key
 * percent-encoded: the apiserver lowercases and percent-decodes it). No user = no impersonation at
 * all (groups or extras without a user are a 400 from the apiserver).
 */
export function impersonationHeaders(identity: ResolvedIdentity): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (identity.user === undefined || identity.user === '') return headers;
  headers['Impersonate-User'] = identity.user;
  if (identity.groups.length > 0) headers['Impersonate-Group'] = [...identity.groups];
  for (const [key, values] of Object.entries(identity.extra)) {
    if (values.length === 0) continue;
    headers[`Impersonate-Extra-${encodeURIComponent(key.toLowerCase())}`] = [...values];
  }
  return headers;
}
