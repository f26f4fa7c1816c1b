import type { AuthorizedSession } from '../auth/authorized-session.js';
import { ErrorCode, PodShellError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import { debugFallbackAllowed } from '../tenants/debug-policy.js';
import { ensureDebugContainer, type DebugContainer } from './debug-container.js';
import type { ExecTarget } from './exec-request.js';
import type { ClusterDial } from './kube-clusters.js';
import { probeShell } from './shell-probe.js';

/** What a session opens: its exec, or an attach to a debug container (then `debug` says which). */
export interface ChosenTarget {
  target: ExecTarget;
  debug?: DebugContainer;
}

export interface FallbackContext {
  logger: Logger;
  metrics: Pick<BrokerMetrics, 'debugContainers'>;
  sessionId: string;
  /** Time allowed for the shell probe's handshake and answer. */
  probeTimeoutMs: number;
  /** True once the session ended (a drain, or the client left during the wait). */
  cancelled: () => boolean;
}

/**
 * Decides what a session opens. Without the tenant's debug-container fallback for this namespace (the
 * default), or for a token naming its own command, it is the exec as given. With it, a short probe
 * (`<shell> -c 'exit 0'`) first asks whether the container has the shell; when the runtime reports it
 * missing, the session attaches to a debug container instead (created as the session's identity, or
 * the owner's running one reused), and a `debug_container.created` / `.reused` audit line is written.
 */
export async function chooseTarget(
  ctx: FallbackContext,
  auth: AuthorizedSession,
  dial: ClusterDial,
  exec: ExecTarget,
  headers: Record<string, string | string[]>,
): Promise<ChosenTarget> {
  const policy = auth.tenant.debugContainers;
  const isDefaultShell =
    auth.command.length === (auth.tenant.defaultCommand ?? auth.command).length &&
    auth.command.every((a, i) => a === auth.tenant.defaultCommand?.[i]);
  if (!debugFallbackAllowed(policy, auth.namespace) || !isDefaultShell || policy === undefined) return { target: exec };
  const shell = auth.command[0] ?? '/bin/sh';
  if ((await probeShell(dial, exec, shell, { headers, timeoutMs: ctx.probeTimeoutMs })) === 'shell')
    return { target: exec };
  const tenant = auth.tenant.name;
  let debug: DebugContainer;
  try {
    const request = {
      dial,
      namespace: auth.namespace,
      pod: auth.pod,
      owner: `${tenant}/${auth.subject}`,
      policy,
      headers,
      cancelled: ctx.cancelled,
    };
    debug = await ensureDebugContainer(
      auth.container === undefined ? request : { ...request, container: auth.container },
    );
  } catch (err) {
    ctx.metrics.debugContainers.inc({ tenant, outcome: 'failed' });
    ctx.logger.info('debug_container.failed', {
      session: ctx.sessionId,
      tenant,
      subject: auth.subject,
      namespace: auth.namespace,
      pod: auth.pod,
      err,
    });
    throw err instanceof PodShellError
      ? err
      : new PodShellError(
          ErrorCode.DEBUG_CONTAINER_FAILED,
          `could not start a debug container: ${(err as Error).message}`,
          { cause: err },
        );
  }
  ctx.metrics.debugContainers.inc({ tenant, outcome: debug.reused ? 'reused' : 'created' });
  ctx.logger.info(debug.reused ? 'debug_container.reused' : 'debug_container.created', {
    session: ctx.sessionId,
    tenant,
    subject: auth.subject,
    namespace: auth.namespace,
    pod: auth.pod,
    container: debug.name,
    image: debug.image,
    targetContainer: debug.target,
  });
  return {
    target: { namespace: auth.namespace, pod: auth.pod, container: debug.name, command: [], tty: true, attach: true },
    debug,
  };
}
