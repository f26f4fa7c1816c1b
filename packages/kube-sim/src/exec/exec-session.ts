import type { WebSocket } from 'ws';
import { Channel, parseK8sResize } from '@pod-shell/protocol';
import type { Faults } from '../faults.js';
import { MissingBinaryError } from '../process/errors.js';
import type { ExecProcess, ProcessEnd } from '../process/exec-process.js';
import type { ProcessLauncher } from '../process/spawn-exec-process.js';
import type { ProcessTable } from '../process/process-table.js';
import type { AttachedProcess } from './attached-process.js';
import type { ExecRequest } from './exec-request.js';
import {
  containerNotFoundError,
  execFailedError,
  exitPayload,
  internalErrorPayload,
  missingBinaryError,
} from './exec-status.js';
import type { StreamProtocol } from './handshake.js';
import { OutputWriter } from './output-writer.js';
import { StdinGate } from './stdin-gate.js';

/** Default PTY size until the client's first resize (kubectl sends its size at once). */
export const DEFAULT_COLS = 80;
export const DEFAULT_ROWS = 24;
/** With a TTY, how long the start waits for the client's first resize so the shell starts at the right size. */
export const FIRST_RESIZE_WAIT_MS = 100;
/** v5 close frames may name streams 0..4 (the five channels that always exist). */
const MAX_STREAM_ID = Channel.Resize;

export interface SessionDeps {
  launcher: ProcessLauncher;
  table: ProcessTable;
  /** The faults that apply to this exec (already scoped to its pod). */
  faults: () => Faults;
  /** Called once, when the WebSocket closed (for whatever reason). */
  onClosed: () => void;
  /** The running main process of the request's container, for attach (ephemeral containers). */
  attach?: (exec: ExecRequest) => AttachedProcess | undefined;
}

/** Whether the runtime would find the container running (kubelet: only running containers are exec targets). */
export function containerIsRunning(exec: ExecRequest): boolean {
  return exec.container.running && exec.pod.phase !== 'Succeeded' && exec.pod.phase !== 'Failed';
}

/**
 * One upgraded exec stream: the "connected" frame, inbound channels (0 stdin, 4 resize, 255 close),
 * the process's output, and exactly one status on channel 3 followed by close 1000 — or, when the
 * client vanishes first, stdin EOF for the process and nothing else (a TTY shell survives).
 */
export class ExecSession {
  readonly #ws: WebSocket;
  readonly #exec: ExecRequest;
  readonly #protocol: StreamProtocol;
  readonly #deps: SessionDeps;
  #process: ExecProcess | undefined;
  /** For attach: the container's main process, found at start. */
  #attached: AttachedProcess | undefined;
  #processId: number | undefined;
  #writer: OutputWriter | undefined;
  #stdin: StdinGate | undefined;
  /** Inbound frames that arrived while a TTY start waited for the first resize. */
  #pending: Buffer[] | undefined;
  #startTimer: NodeJS.Timeout | undefined;
  #size = { cols: DEFAULT_COLS, rows: DEFAULT_ROWS };
  #resizeClosed = false;
  #clientOpen = true;
  #finished = false;

  constructor(ws: WebSocket, exec: ExecRequest, protocol: StreamProtocol, deps: SessionDeps) {
    this.#ws = ws;
    this.#exec = exec;
    this.#protocol = protocol;
    this.#deps = deps;
  }

  start(): void {
    const ws = this.#ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('close', () => this.#onClientClosed());
    ws.on('error', () => {
      // ws closes the socket itself after an error (bad frame, too big); 'close' follows.
    });
    // The "connected" signal: an empty payload on the lowest writable channel.
    const exec = this.#exec;
    const first = exec.stdout ? Channel.Stdout : exec.stderr && !exec.tty ? Channel.Stderr : Channel.Status;
    ws.send(Buffer.of(first), { binary: true });

    if (!containerIsRunning(exec)) return this.#fail(containerNotFoundError(exec.container.name));
    if (exec.subresource === 'attach' && exec.container.mode !== 'light') {
      this.#attached = this.#deps.attach?.(exec);
      if (this.#attached === undefined)
        return this.#fail(
          'error attaching to container: kube-sim runs no container main process to attach to; use exec',
        );
    }
    if (exec.tty && exec.container.mode !== 'light') {
      this.#pending = [];
      this.#startTimer = setTimeout(() => this.#launch(), FIRST_RESIZE_WAIT_MS);
    } else {
      this.#launch();
    }
  }

  /** The process's OS pid, once started. */
  get pid(): number | null {
    return this.#process?.pid ?? null;
  }

  #launch(): void {
    clearTimeout(this.#startTimer);
    this.#startTimer = undefined;
    const pending = this.#pending ?? [];
    this.#pending = undefined;
    if (!this.#clientOpen || this.#finished) return;
    const exec = this.#exec;
    let proc: ExecProcess;
    if (this.#attached !== undefined) {
      proc = this.#attached;
      // The main process keeps its size until the client's first resize; apply the one we waited for.
      proc.resize(this.#size.cols, this.#size.rows);
    } else {
      try {
        proc = this.#deps.launcher.start({ ...exec, cols: this.#size.cols, rows: this.#size.rows });
      } catch (err) {
        if (err instanceof MissingBinaryError) return this.#fail(missingBinaryError(exec.command[0] ?? ''));
        return this.#fail(execFailedError((err as Error).message));
      }
      this.#processId = this.#deps.table.add(proc, {
        namespace: exec.pod.namespace,
        pod: exec.pod.name,
        container: exec.container.name,
        command: [...exec.command],
        tty: exec.tty,
      });
    }
    this.#process = proc;
    this.#writer = new OutputWriter(this.#ws, this.#deps.faults, proc);
    this.#stdin = new StdinGate(proc, this.#deps.faults, {
      pause: () => this.#ws.pause(),
      resume: () => this.#ws.resume(),
    });
    if (!exec.stdin) this.#stdin.end();
    proc.onOutput((stream, data) => {
      if (stream === 'stdout' ? exec.stdout : exec.stderr)
        this.#writer?.write(stream === 'stdout' ? Channel.Stdout : Channel.Stderr, data);
    });
    proc.onEnd((end) => this.#onProcessEnd(end));
    for (const frame of pending) this.#onMessage(frame, true);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    // Text frames are not part of the binary channel protocols; the server ignores them.
    if (!isBinary || data.length === 0 || this.#finished) return;
    if (this.#pending) {
      if (data[0] === Channel.Resize && this.#applyResize(data.subarray(1))) this.#launch();
      else this.#pending.push(data);
      return;
    }
    const channel = data[0]!;
    const payload = data.subarray(1);
    switch (channel) {
      case Channel.Stdin:
        if (this.#exec.stdin) this.#stdin?.write(payload);
        return;
      case Channel.Resize:
        this.#applyResize(payload);
        return;
      case Channel.Close:
        if (this.#protocol === 'v5') this.#onCloseSignal(data);
        return;
      default:
        // Frames for nonexistent channels are dropped.
        return;
    }
  }

  /**
   * Applies the last valid size in a resize payload (a stream of JSON objects, one per line from
   * client-go). Without a TTY the frame is parsed and dropped: it must never block stdin.
   */
  #applyResize(payload: Buffer): boolean {
    if (!this.#exec.tty || this.#resizeClosed) return false;
    let applied = false;
    for (const line of payload.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      const size = parseK8sResize(line);
      if (!size || size.Width === 0 || size.Height === 0) continue;
      this.#size = { cols: size.Width, rows: size.Height };
      this.#process?.resize(size.Width, size.Height);
      applied = true;
    }
    return applied;
  }

  /** v5: exactly `[0xFF, id]` half-closes stream `id`; anything else ends the connection. */
  #onCloseSignal(data: Buffer): void {
    if (data.length !== 2 || data[1]! > MAX_STREAM_ID) {
      this.#ws.close(1000);
      return;
    }
    if (data[1] === Channel.Stdin) this.#stdin?.end();
    else if (data[1] === Channel.Resize) this.#resizeClosed = true;
  }

  #onProcessEnd(end: ProcessEnd): void {
    if (this.#processId !== undefined) this.#deps.table.ended(this.#processId);
    this.#stdin?.dispose();
    const payload =
      end.kind === 'exit'
        ? exitPayload(this.#protocol, end.exitCode, this.#exec.command)
        : internalErrorPayload(this.#protocol, execFailedError(end.message));
    // The status goes out only after every byte of output is on the socket.
    this.#writer?.whenFlushed(() => this.#finish(payload));
  }

  #fail(error: string): void {
    this.#finish(internalErrorPayload(this.#protocol, error));
  }

  /** Exactly one status on channel 3, then close 1000. */
  #finish(payload: string | null): void {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#clientOpen) return;
    if (payload !== null)
      this.#ws.send(Buffer.concat([Buffer.of(Channel.Status), Buffer.from(payload, 'utf8')]), { binary: true });
    this.#ws.close(1000);
  }

  /** The client is gone (or we closed): stdin EOF only; a TTY process keeps running. */
  #onClientClosed(): void {
    if (!this.#clientOpen) return;
    this.#clientOpen = false;
    clearTimeout(this.#startTimer);
    this.#pending = undefined;
    this.#writer?.discard();
    this.#stdin?.end();
    this.#attached?.detach();
    if (this.#processId !== undefined) this.#deps.table.setClientConnected(this.#processId, false);
    this.#deps.onClosed();
  }
}
