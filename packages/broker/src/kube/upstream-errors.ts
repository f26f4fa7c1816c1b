import type { IncomingMessage } from 'node:http';
import { ErrorCode, UpstreamError } from '../errors.js';
import { sanitizeMessage } from '../session/closing.js';

/** The most of a refused upgrade's body the broker reads (a Status is a few hundred bytes). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The apiserver's 400 wordings that mean "no such container" rather than a malformed request. */
const CONTAINER_NOT_FOUND_400 = [
  / is not valid for pod /,
  /a container name must be specified/,
  /does not have a host assigned/,
];

/**
 * Maps a refused exec upgrade to the error the client sees: 404 → 4404, 403 → 4403, 400 → 4404
 * when the container is not valid (or the pod cannot run it), else 4400; anything else → 4500.
 * The message is the apiserver's own (`Status.message`, or the plain body), made safe for a terminal.
 */
export function refusedUpgradeError(status: number, body: string): UpstreamError {
  const message = statusMessage(body) ?? `the Kubernetes API refused the exec with HTTP ${status}`;
  const opts = { upstreamStatus: status };
  if (status === 404) return new UpstreamError(ErrorCode.KUBE_NOT_FOUND, message, opts);
  if (status === 403) return new UpstreamError(ErrorCode.KUBE_FORBIDDEN, message, opts);
  if (status === 400) {
    const notFound = CONTAINER_NOT_FOUND_400.some((re) => re.test(message));
    return new UpstreamError(notFound ? ErrorCode.KUBE_NOT_FOUND : ErrorCode.KUBE_BAD_REQUEST, message, opts);
  }
  return new UpstreamError(ErrorCode.KUBE_UPSTREAM, `Kubernetes API error (HTTP ${status}): ${message}`, opts);
}

function statusMessage(body: string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as { message?: unknown }).message === 'string'
    ) {
      return sanitizeMessage((parsed as { message: string }).message);
    }
  } catch {
    // not JSON: the plain text body is the message (e.g. the kubelet's `container not found ("c")`)
  }
  return sanitizeMessage(text);
}

/**
 * Reads a refused upgrade's body, at most MAX_ERROR_BODY_BYTES, and always settles: on `end`, on an
 * error (trailing garbage after the response makes the HTTP parser fail), or on close.
 */
export function readErrorBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      res.removeAllListeners('data');
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    res.on('data', (chunk: Buffer) => {
      if (size >= MAX_ERROR_BODY_BYTES) return;
      const room = MAX_ERROR_BODY_BYTES - size;
      const part = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      size += part.byteLength;
      if (size >= MAX_ERROR_BODY_BYTES) finish();
    });
    res.once('end', finish);
    res.once('error', finish);
    res.once('close', finish);
  });
}
