import { Channel, decodeFrame, decodeUtf8, interpretStatus } from '@pod-shell/protocol';
import { dialExec } from './exec-client.js';
import type { ExecTarget } from './exec-request.js';
import type { ClusterDial } from './kube-clusters.js';

/** The runtime's words for "this program is not in the image" (containerd/runc, through the apiserver). */
const MISSING_EXECUTABLE = /executable file not found|no such file or directory/i;

/** Whether an exec failure message says the command's program is missing from the image. */
export function isMissingExecutable(message: string): boolean {
  return MISSING_EXECUTABLE.test(message);
}

/**
 * Asks whether `shell` exists in the container: a short exec of `<shell> -c 'exit 0'` (no TTY) as the
 * session's identity. 'no-shell' when the runtime reports the program missing; 'shell' for any other
 * outcome (an exit code, or a failure the real session will report itself). A refused upgrade (RBAC,
 * no such pod) rejects with the same UpstreamError the session would get.
 */
export async function probeShell(
  dial: ClusterDial,
  target: Pick<ExecTarget, 'namespace' | 'pod' | 'container'>,
  shell: string,
  options: { headers: Record<string, string | string[]>; timeoutMs: number },
): Promise<'shell' | 'no-shell'> {
  const probe: ExecTarget = {
    namespace: target.namespace,
    pod: target.pod,
    command: [shell, '-c', 'exit 0'],
    tty: false,
  };
  if (target.container !== undefined && target.container !== '') probe.container = target.container;
  const up = dialExec(dial, probe, {
    headers: options.headers,
    handshakeTimeoutMs: options.timeoutMs,
    maxPayloadBytes: 64 * 1024,
  });
  const socket = up.socket;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<'shell' | 'no-shell'>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the shell probe did not finish within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      socket.on('message', (data: Buffer) => {
        const frame = decodeFrame(data);
        if (frame === null || frame.channel !== Channel.Status) return;
        const outcome = interpretStatus(decodeUtf8(frame.payload));
        resolve(outcome.kind === 'error' && isMissingExecutable(outcome.message) ? 'no-shell' : 'shell');
      });
      socket.once('close', () => resolve('shell'));
      up.opened.catch(reject);
    });
  } finally {
    clearTimeout(timer);
    socket.removeAllListeners('message');
    socket.removeAllListeners('close');
    socket.terminate();
  }
}
