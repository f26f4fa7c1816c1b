import type { IncomingMessage } from 'node:http';
import WebSocket, { type ClientOptions } from 'ws';
import { Channel, K8sSubprotocol } from '@pod-shell/protocol';
import { ErrorCode, UpstreamError } from '../errors.js';
import { execUrl, type ExecTarget } from './exec-request.js';
import type { ClusterDial } from './kube-clusters.js';
import { readErrorBody, refusedUpgradeError } from './upstream-errors.js';
import { connectUpstreamTls } from './upstream-connect.js';

/** Keeps a late upstream error (after the owner's handlers are gone) from crashing the process; one function for all sockets. */
function ignoreLateError(): void {}

export interface ExecDialOptions {
  /** Extra headers (impersonation); merged over the kubeconfig's own. */
  headers: Record<string, string | string[]>;
  /** Time allowed for the TCP + TLS + HTTP upgrade. */
  handshakeTimeoutMs: number;
  /** Largest upstream frame accepted (the apiserver writes stdout in ≤ 32 KiB frames). */
  maxPayloadBytes: number;
}

/** An upstream exec socket in the making: the socket exists at once (so its owner can end it), `opened` settles later. */
export interface UpstreamDial {
  readonly socket: WebSocket;
  /** Resolves once the apiserver answered 101 with a subprotocol we offered (`upstreamProtocols`); rejects with UpstreamError otherwise. */
  readonly opened: Promise<void>;
}

/**
 * The subprotocols offered upstream, preferred first. v5 always. v4 (`v4.channel.k8s.io`: clusters
 * before 1.30, the `TranslateStreamCloseWebsocketRequests` gate off, or a proxy that reaches only the
 * kubelet path) only for a TTY exec: v4 cannot half-close stdin, which a TTY shell never needs (stdin
 * EOF does nothing to a PTY; the shell ends on `exit` or ^D as bytes), while a command on pipes may wait
 * for EOF forever. v4's channel-3 Status is the same JSON as v5's (exit code in the `ExitCode` cause),
 * only the message wording differs, so the status handling is shared.
 */
export function upstreamProtocols(target: Pick<ExecTarget, 'tty'>): string[] {
  return target.tty ? [K8sSubprotocol.V5, K8sSubprotocol.V4] : [K8sSubprotocol.V5];
}

/**
 * Whether a frame the client sent may go to an upstream speaking `protocol`. v4 has no close channel
 * (255): the kubelet would drop the frame anyway, so the broker does not send it; on a TTY the
 * half-close it asks for has no effect on the shell either way.
 */
export function upstreamAccepts(protocol: string, frame: Uint8Array): boolean {
  return !(protocol === K8sSubprotocol.V4 && frame[0] === Channel.Close);
}

/**
 * Opens the exec WebSocket ourselves (not client-node's Exec: it never removes its resize listener
 * and hides the error body). Offers `v5.channel.k8s.io`, and for a TTY also `v4.channel.k8s.io` as a
 * fallback (see upstreamProtocols). A refused upgrade's Status body is read
 * through `unexpected-response` and becomes the client's close code and message. Anything but a 101
 * with one of the offered subprotocols never reaches `open`, so no byte of it is ever relayed (threat 10, CVE-2018-1002105):
 * the socket is ended and nothing was attached to it but these handlers.
 */
export function dialExec(dial: ClusterDial, target: ExecTarget, options: ExecDialOptions): UpstreamDial {
  const baseHeaders = (dial.options.headers ?? {}) as Record<string, string | string[]>;
  // Direct https (no proxy agent): the TLS socket gets only its connect and trust options, not the whole request's.
  const direct = dial.server.startsWith('https:') && dial.options.agent === undefined;
  const offered = upstreamProtocols(target);
  const socket = new WebSocket(execUrl(dial.server, target), offered, {
    ...dial.options,
    ...(direct ? { createConnection: connectUpstreamTls as unknown as ClientOptions['createConnection'] } : {}),
    // Node's http accepts arrays for repeated headers (Impersonate-Group); ws's typing says string only.
    headers: { ...baseHeaders, ...options.headers } as Record<string, string>,
    handshakeTimeout: options.handshakeTimeoutMs,
    maxPayload: options.maxPayloadBytes,
    perMessageDeflate: false,
    followRedirects: false,
    // The apiserver's Origin check does not exist; sending none keeps the request minimal.
  });
  const opened = new Promise<void>((resolve, reject) => {
    let settled = false;
    /** Set once a non-101 response arrived: its body decides the error, whatever the socket does next. */
    let refused = false;
    const settle = (err?: UpstreamError): void => {
      if (settled) return;
      settled = true;
      socket.off('open', onOpen);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('unexpected-response', onUnexpected);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onOpen = (): void => {
      if (!offered.includes(socket.protocol)) {
        // ws already refuses a protocol we did not offer; this guards the rule explicitly.
        socket.terminate();
        settle(
          new UpstreamError(
            ErrorCode.KUBE_UPSTREAM,
            `the Kubernetes API answered with subprotocol ${JSON.stringify(socket.protocol)} instead of ${offered.join(' or ')}`,
          ),
        );
        return;
      }
      settle();
    };
    const onError = (err: Error): void => {
      // Trailing bytes after a refusal make the HTTP parser fail; the refusal's own status still wins.
      if (refused) return;
      settle(
        new UpstreamError(
          ErrorCode.KUBE_UPSTREAM,
          `cannot open the exec stream to the Kubernetes API: ${err.message}`,
          { cause: err },
        ),
      );
    };
    const onClose = (): void => {
      if (refused) return;
      settle(
        new UpstreamError(
          ErrorCode.KUBE_UPSTREAM,
          'the Kubernetes API closed the connection during the exec handshake',
        ),
      );
    };
    const onUnexpected = (_req: unknown, res: IncomingMessage): void => {
      const status = res.statusCode ?? 0;
      refused = true;
      void readErrorBody(res).then((body) => {
        settle(refusedUpgradeError(status, body));
        // Ends the request and its socket; trailing bytes after the response are never read.
        socket.terminate();
      });
    };
    socket.on('open', onOpen);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('unexpected-response', onUnexpected);
  });
  // The owner always installs its own 'error' listener; this one keeps a late error from crashing the process.
  socket.on('error', ignoreLateError);
  return { socket, opened };
}
