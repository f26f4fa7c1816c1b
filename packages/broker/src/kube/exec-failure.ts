import { ErrorCode, PodShellError } from '../errors.js';
import { closeInfoFor, type CloseInfo } from '../session/closing.js';
import { isMissingExecutable } from './shell-probe.js';
import { CloseCode } from '@pod-shell/protocol';

/**
 * How a session ends when the exec failed after the upgrade (a Status that is neither success nor an
 * exit code). The runtime's "executable file not found" means the image has no shell: the user gets
 * PS_ERR_NO_SHELL ("No shell in this image") instead of a bare upstream error.
 */
export function execFailureClose(message: string): CloseInfo {
  if (isMissingExecutable(message)) {
    return closeInfoFor(
      new PodShellError(
        ErrorCode.NO_SHELL,
        `No shell in this image: the container has no sh or bash, and a debug container is not allowed for it (Kubernetes said: ${message})`,
      ),
    );
  }
  return { code: CloseCode.Upstream, reason: 'upstream_error', message };
}
