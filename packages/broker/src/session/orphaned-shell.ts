import type { AuthorizedSession } from '../auth/authorized-session.js';
import { endRemoteShell, trackedShell } from '../kube/shell-reaper.js';
import { resolveIdentity } from '../tenants/identity.js';
import type { SessionContext } from './session-context.js';
import { podTarget } from './session-identity.js';

/**
 * A TTY shell survives its exec stream closing (threat 19): when a session whose exec stream was
 * established ends for any reason but the command exiting, a short second exec hangs up the
 * processes carrying this session's mark. Only for tenants that turn it on and for commands the
 * shell reaper can track. It runs after the session is gone, is bounded by its own timeout, and
 * counts its failures; the broker's ShellCleanups owns it (gauge, drain waits for it).
 */
export function endOrphanedShell(
  ctx: Pick<SessionContext, 'clusters' | 'config' | 'logger' | 'metrics' | 'cleanups'>,
  auth: AuthorizedSession,
  sessionId: string,
): void {
  const shell = trackedShell(auth.command);
  if (!auth.tenant.endOrphanedShells || shell === null) return;
  const run = endRemoteShell({
    kube: () => ctx.clusters.dial(auth.tenant.kubeContext),
    target: podTarget(auth),
    sessionId,
    identity: resolveIdentity(auth.tenant.identity, auth.subject),
    shell,
    timeoutMs: ctx.config.upgradeTimeoutMs,
    logger: ctx.logger,
    metrics: ctx.metrics,
  });
  void ctx.cleanups.track(run);
}
