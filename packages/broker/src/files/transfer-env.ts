import type { ClusterDial } from '../kube/kube-clusters.js';
import type { PodTarget } from '../session/session-identity.js';
import { ExecStream, runExec, type ExecEnd } from './exec-stream.js';

/** Where and as whom a transfer's execs run: the token's pod and container, the tenant's identity. */
export interface TransferEnv {
  dial: ClusterDial;
  headers: Record<string, string | string[]>;
  target: PodTarget;
  /** Handshake and short-step time limit (UPGRADE_TIMEOUT_MS). */
  timeoutMs: number;
}

/** Runs one short step (prepare, probe, commit, cleanup) to its end; not cancellable: each step is bounded by `timeoutMs`. */
export function step(env: TransferEnv, command: string[]): Promise<{ end: ExecEnd; stdout: string }> {
  return runExec(env.dial, { ...env.target, command }, env.headers, env.timeoutMs);
}

/** Opens the data step's exec (the long one, ended by the transfer's cancel hook). */
export function openData(
  env: TransferEnv,
  command: string[],
  handlers: Parameters<typeof ExecStream.open>[4],
): ExecStream {
  return ExecStream.open(env.dial, { ...env.target, command }, env.headers, env.timeoutMs, handlers);
}
