import { Channel, decodeFrame, decodeUtf8, interpretStatus } from '@pod-shell/protocol';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import type { SessionRecord } from '../store/session-store.js';
import { resolveIdentity, type ResolvedIdentity } from '../tenants/identity.js';
import { matchesAny } from '../tenants/glob.js';
import type { ShellCleanups } from '../session/shell-cleanups.js';
import type { TenantLookup } from '../tenants/tenant-registry.js';
import { dialExec } from './exec-client.js';
import { impersonationHeaders } from './exec-request.js';
import type { ClusterDial, KubeClusters } from './kube-clusters.js';

/**
 * No orphaned shells (threat 19). On a real cluster, closing an exec's stdin does not end a TTY
 * shell: the runtime keeps the PTY open, so the shell waits forever (rancher#16192,
 * kubernetes#89031). The broker therefore marks the shell it starts and, when a session ends for any
 * reason other than the command exiting, runs a short second exec in the same container, with the
 * same impersonated identity, that hangs up every process carrying the mark.
 *
 * The mark is an environment variable, `POD_SHELL_SESSION=<session id>`, exported by a wrapper
 * around the shell. It is visible from the first instant: in the wrapper's `/proc/<pid>/cmdline`
 * until it execs the shell, then in `/proc/<pid>/environ` of the shell and of everything the shell
 * starts. So the cleanup needs no writable filesystem, leaves no file behind, cannot miss a shell
 * that is still starting, and also hangs up the foreground job (what a real terminal hang-up does). Only shell commands are wrapped, with the
 * shell itself, so no binary is assumed that the image may lack; the cleanup needs `sh` and `grep`.
 */
export const SESSION_MARK_VAR = 'POD_SHELL_SESSION';

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh']);
const SAFE_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** When a cleanup finds nothing to hang up, it looks again after these delays. */
const RETRY_DELAYS_MS = [300, 1000];

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The shell that runs `command` when it is a POSIX-style shell (so it can carry the mark), else null. */
export function trackedShell(command: readonly string[]): string | null {
  const first = command[0];
  return first !== undefined && SHELLS.has(basename(first)) ? first : null;
}

/**
 * Wraps a shell command so the shell (and its children) carry `POD_SHELL_SESSION=<id>`:
 *   [sh, -c, script, …]  → [sh, -c, 'export POD_SHELL_SESSION=<id>; ' + script, …]
 *   [shell, args…]       → [shell, -c, 'export POD_SHELL_SESSION=<id>; exec "$0" "$@"', shell, args…]
 * `exec` keeps the pid, argv and TTY of the original. A non-shell command is returned unchanged
 * (it cannot be marked without assuming a shell in the image).
 */
export function wrapCommandForPidTracking(command: readonly string[], sessionId: string): readonly string[] {
  if (!SAFE_ID.test(sessionId)) throw new TypeError('session id must be base64url');
  const shell = trackedShell(command);
  if (shell === null) return command;
  const mark = `export ${SESSION_MARK_VAR}=${sessionId}; `;
  if (command[1] === '-c' && command[2] !== undefined) return [shell, '-c', mark + command[2], ...command.slice(3)];
  return [shell, '-c', `${mark}exec "$0" "$@"`, ...command];
}

/**
 * The cleanup command: SIGHUP to every process whose environment holds the mark. Exit 0 = at least
 * one process hung up; 3 = none found (already gone, or not started yet).
 */
export function hangUpCommand(sessionId: string, shell = '/bin/sh'): string[] {
  if (!SAFE_ID.test(sessionId)) throw new TypeError('session id must be base64url');
  // The pattern is written `VAR[=]id` so that neither this script's nor grep's own command line
  // matches it; the wrapper's command line (before its `exec`) and the environment (after) do.
  const script = [
    'n=0',
    `for f in $(grep -l '${SESSION_MARK_VAR}[=]${sessionId}' /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null); do`,
    '  p=${f#/proc/}; p=${p%/*}',
    '  case " $seen " in *" $p "*) continue;; esac',
    '  seen="$seen $p"',
    '  kill -HUP "$p" 2>/dev/null && n=$((n+1))',
    'done',
    '[ "$n" -gt 0 ] || exit 3',
  ].join('\n');
  return [shell, '-c', script];
}

export interface EndRemoteShellOptions {
  /** How to reach the tenant's cluster (KubeClusters.dial(tenant.kubeContext)). */
  kube: ClusterDial | (() => Promise<ClusterDial>);
  target: { namespace: string; pod: string; container?: string };
  sessionId: string;
  /** The session's impersonated identity: the cleanup is authorised exactly like the session. */
  identity: ResolvedIdentity;
  /** The shell the session ran (trackedShell of its command); default /bin/sh. */
  shell?: string;
  timeoutMs?: number;
  logger?: Logger;
  metrics?: Pick<BrokerMetrics, 'orphanCleanupFailures'>;
}

export type EndRemoteShellResult = 'ended' | 'not-found' | 'failed';

/** One cleanup exec: resolves with the command's exit code, or rejects (refused, broken, timed out). */
async function runOnce(dial: ClusterDial, o: EndRemoteShellOptions, timeoutMs: number): Promise<number> {
  const target = {
    namespace: o.target.namespace,
    pod: o.target.pod,
    command: hangUpCommand(o.sessionId, o.shell),
    tty: false,
  };
  const up = dialExec(dial, o.target.container ? { ...target, container: o.target.container } : target, {
    headers: impersonationHeaders(o.identity),
    handshakeTimeoutMs: timeoutMs,
    maxPayloadBytes: 64 * 1024,
  });
  const socket = up.socket;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`cleanup exec did not finish within ${timeoutMs} ms`)), timeoutMs);
      socket.on('message', (data: Buffer) => {
        const frame = decodeFrame(data);
        if (frame === null || frame.channel !== Channel.Status) return;
        const outcome = interpretStatus(decodeUtf8(frame.payload));
        if (outcome.kind === 'success') resolve(0);
        else if (outcome.kind === 'exit') resolve(outcome.exitCode);
        else reject(new Error(`cleanup exec failed: ${outcome.message}`));
      });
      socket.once('close', () => reject(new Error('cleanup exec closed without a status')));
      up.opened.then(() => socket.send(Uint8Array.of(Channel.Close, Channel.Stdin)), reject);
    });
  } finally {
    clearTimeout(timer);
    socket.removeAllListeners('message');
    socket.removeAllListeners('close');
    socket.terminate();
  }
}

/**
 * Hangs up the session's remote shell with a second, short exec. Never throws: a failure is logged
 * and counted in podshell_orphan_cleanup_failures_total. "not-found" (nothing carried the mark on
 * three looks over 1.3 s) means the shell had already ended, or never started.
 */
export function endRemoteShell(o: EndRemoteShellOptions): Promise<EndRemoteShellResult> {
  return runCleanup(o);
}

async function runCleanup(o: EndRemoteShellOptions): Promise<EndRemoteShellResult> {
  const timeoutMs = o.timeoutMs ?? 5000;
  try {
    const dial = typeof o.kube === 'function' ? await o.kube() : o.kube;
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      const code = await runOnce(dial, o, timeoutMs);
      if (code === 0) {
        o.logger?.debug('session.shell_hung_up', { session: o.sessionId, attempt });
        return 'ended';
      }
      if (code !== 3) throw new Error(`cleanup exec exited with ${code}`);
      // Nothing found: the shell may still be starting (a busy node). Look again, a little later.
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
    }
    return 'not-found';
  } catch (err) {
    o.metrics?.orphanCleanupFailures.inc();
    o.logger?.warn('session.orphan_cleanup_failed', {
      session: o.sessionId,
      namespace: o.target.namespace,
      pod: o.target.pod,
      err,
    });
    return 'failed';
  }
}

export interface ReapedShellsDeps {
  tenants: TenantLookup;
  clusters: Pick<KubeClusters, 'dial'>;
  timeoutMs?: number;
  logger?: Logger;
  metrics?: Pick<BrokerMetrics, 'orphanCleanupFailures'>;
  /** Counts each cleanup while it runs and lets drain wait for it (the broker's ShellCleanups). */
  cleanups: Pick<ShellCleanups, 'track'>;
}

/**
 * Ends the remote shells of sessions whose replica died (reaped from the registry by this replica):
 * the dead replica cannot run its own cleanup. Identity and cluster come from this replica's own
 * tenant config — never from Redis — so a Redis writer cannot make the broker impersonate anyone;
 * the namespace must match the tenant's allowlist. Tenants that are gone or have
 * `endOrphanedShells: false` are skipped.
 */
export function endReapedShells(
  records: readonly SessionRecord[],
  deps: ReapedShellsDeps,
): Promise<EndRemoteShellResult[]> {
  const runs: Promise<EndRemoteShellResult>[] = [];
  for (const rec of records) {
    const tenant = deps.tenants.get(rec.tenant);
    if (tenant === undefined || !tenant.endOrphanedShells || !SAFE_ID.test(rec.id)) continue;
    // The target must still be one the tenant may reach (the record came from Redis).
    if (!matchesAny(tenant.namespaces, rec.namespace)) continue;
    const target: { namespace: string; pod: string; container?: string } = { namespace: rec.namespace, pod: rec.pod };
    if (rec.container !== '') target.container = rec.container;
    runs.push(
      deps.cleanups.track(
        endRemoteShell({
          kube: () => deps.clusters.dial(tenant.kubeContext),
          target,
          sessionId: rec.id,
          identity: resolveIdentity(tenant.identity, rec.subject),
          ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
          ...(deps.logger !== undefined ? { logger: deps.logger } : {}),
          ...(deps.metrics !== undefined ? { metrics: deps.metrics } : {}),
        }),
      ),
    );
  }
  return Promise.all(runs);
}
