import { randomBytes } from 'node:crypto';
import { internalErrorStatus, nonZeroExitStatus, serializeStatus, successStatus } from '@pod-shell/protocol';
import type { StreamProtocol } from './handshake.js';

/**
 * The channel-3 payloads, per framing dialect:
 * - v5 (apiserver stream translator): JSON Status; exit N as `command terminated with exit code N`.
 * - v4 (kubelet + containerd): JSON Status; the inner message is containerd's
 *   `error executing command [argv], exit code N`.
 * - v1 (`channel.k8s.io`, no subprotocol): nothing on success, the error text on failure.
 * A null result means "send nothing on channel 3".
 */
export function exitPayload(protocol: StreamProtocol, exitCode: number, argv: readonly string[]): string | null {
  if (exitCode === 0) return protocol === 'v1' ? null : serializeStatus(successStatus());
  const status = nonZeroExitStatus(exitCode);
  if (protocol !== 'v5') {
    status.message = `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`;
  }
  return protocol === 'v1' ? status.message! : serializeStatus(status);
}

/** An InternalError (`Internal error occurred: <e>`, code 500), or its bare text for v1. */
export function internalErrorPayload(protocol: StreamProtocol, error: string): string {
  return protocol === 'v1' ? error : serializeStatus(internalErrorStatus(error));
}

/** containerd's words for an exec of a binary the image lacks, with a fresh 64-hex exec id. */
export function missingBinaryError(argv0: string): string {
  const execId = randomBytes(32).toString('hex');
  return (
    `error executing command in container: failed to exec in container: failed to start exec "${execId}": ` +
    `OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv0}": ` +
    'executable file not found in $PATH: unknown'
  );
}

/** What the apiserver's translator reports when the kubelet finds no running container. */
export function containerNotFoundError(container: string): string {
  return `unable to upgrade connection: container not found ("${container}")`;
}

/** Exec of a command the OS could not start (not a missing binary). */
export function execFailedError(reason: string): string {
  return `error executing command in container: ${reason}`;
}
