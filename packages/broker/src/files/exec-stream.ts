import { Channel, decodeFrame, decodeUtf8, encodeCloseFrame, encodeFrame, interpretStatus } from '@pod-shell/protocol';
import type WebSocket from 'ws';
import { dialExec } from '../kube/exec-client.js';
import type { ExecTarget } from '../kube/exec-request.js';
import type { ClusterDial } from '../kube/kube-clusters.js';

/** Largest stdout frame accepted upstream (the apiserver writes ≤ 32 KiB frames; kube-sim coalesces up to 1 MiB). */
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** stderr kept for the error message (the rest is dropped: it is diagnostics, not data). */
const STDERR_KEEP_BYTES = 4096;
/** stdin bytes handed to the socket but not yet written to the kernel, above which the writer is told to wait. */
export const STDIN_HIGH_WATER_BYTES = 1024 * 1024;

/** How an exec ended: the channel-3 Status as client-go reads it, or the socket's loss. */
export type ExecEnd =
  | { kind: 'success' }
  | { kind: 'exit'; exitCode: number; stderr: string }
  | { kind: 'error'; message: string; stderr: string; cause?: unknown };

export interface ExecStreamHandlers {
  /** A stdout payload (a view of the frame: copy it to keep it past the call). */
  stdout?(data: Uint8Array): void;
  /** Called once when stdin may be written again after `write` returned false. */
  drained?(): void;
}

/**
 * One non-TTY exec (`v5.channel.k8s.io` only: stdin must be half-closable, which v4 cannot do) used
 * by a file transfer: stdin written with backpressure (`write` returns false above
 * STDIN_HIGH_WATER_BYTES not yet flushed; `drained` fires once below it), stdout delivered as it
 * arrives and paused with `pause()` (the socket stops reading, so TCP pushes back on the apiserver),
 * stderr kept (bounded) for messages, and `ended` resolved once with the Status. `terminate()` ends
 * the socket at once (idempotent); the owner calls it whatever happened.
 */
export class ExecStream {
  readonly ended: Promise<ExecEnd>;
  private readonly socket: WebSocket;
  private unflushed = 0;
  private waitingDrain = false;
  private stderr = '';
  private done = false;

  private constructor(
    socket: WebSocket,
    readonly opened: Promise<void>,
    private readonly handlers: ExecStreamHandlers,
  ) {
    this.socket = socket;
    this.ended = new Promise<ExecEnd>((resolve) => {
      let status: ExecEnd | null = null;
      socket.on('message', (data: Buffer) => {
        const frame = decodeFrame(data);
        if (frame === null) return;
        if (frame.channel === Channel.Stdout) this.handlers.stdout?.(frame.payload);
        else if (frame.channel === Channel.Stderr) {
          if (this.stderr.length < STDERR_KEEP_BYTES)
            this.stderr += decodeUtf8(frame.payload).slice(0, STDERR_KEEP_BYTES - this.stderr.length);
        } else if (frame.channel === Channel.Status && status === null) {
          const o = interpretStatus(decodeUtf8(frame.payload));
          status =
            o.kind === 'success'
              ? o
              : o.kind === 'exit'
                ? { kind: 'exit', exitCode: o.exitCode, stderr: this.stderr }
                : { kind: 'error', message: o.message, stderr: this.stderr };
        }
      });
      socket.on('close', () => {
        this.done = true;
        resolve(status ?? { kind: 'error', message: 'the exec stream closed without a status', stderr: this.stderr });
      });
      socket.on('error', () => {
        /* 'close' follows and settles `ended` */
      });
      opened.catch((err: unknown) => {
        this.done = true;
        resolve({ kind: 'error', message: (err as Error).message, stderr: '', cause: err });
      });
    });
  }

  static open(
    dial: ClusterDial,
    target: Omit<ExecTarget, 'tty'>,
    headers: Record<string, string | string[]>,
    handshakeTimeoutMs: number,
    handlers: ExecStreamHandlers = {},
  ): ExecStream {
    const up = dialExec(
      dial,
      { ...target, tty: false },
      { headers, handshakeTimeoutMs, maxPayloadBytes: MAX_PAYLOAD_BYTES },
    );
    return new ExecStream(up.socket, up.opened, handlers);
  }

  /** Sends stdin bytes (copied into the frame); false when the caller should wait for `drained`. */
  write(data: Uint8Array): boolean {
    if (this.done) return true;
    const frame = encodeFrame(Channel.Stdin, data);
    this.unflushed += frame.length;
    this.socket.send(frame, { binary: true }, () => {
      this.unflushed -= frame.length;
      if (this.waitingDrain && this.unflushed < STDIN_HIGH_WATER_BYTES / 2) {
        this.waitingDrain = false;
        this.handlers.drained?.();
      }
    });
    if (this.unflushed >= STDIN_HIGH_WATER_BYTES) {
      this.waitingDrain = true;
      return false;
    }
    return true;
  }

  /** Half-closes stdin (v5 close frame): the command reads EOF. */
  closeStdin(): void {
    if (!this.done) this.socket.send(encodeCloseFrame(Channel.Stdin), { binary: true });
  }

  pause(): void {
    if (!this.done) this.socket.pause();
  }

  resume(): void {
    if (!this.done) this.socket.resume();
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/** Runs a short exec to its end and returns its stdout (bounded) and how it ended. Never rejects. */
export async function runExec(
  dial: ClusterDial,
  target: Omit<ExecTarget, 'tty'>,
  headers: Record<string, string | string[]>,
  timeoutMs: number,
): Promise<{ end: ExecEnd; stdout: string }> {
  let stdout = '';
  const exec = ExecStream.open(dial, target, headers, timeoutMs, {
    stdout: (d) => {
      if (stdout.length < 64 * 1024) stdout += decodeUtf8(d);
    },
  });
  const timer = setTimeout(() => exec.terminate(), timeoutMs);
  try {
    await exec.opened.then(
      () => exec.closeStdin(),
      () => undefined,
    );
    return { end: await exec.ended, stdout };
  } finally {
    clearTimeout(timer);
    exec.terminate();
  }
}
