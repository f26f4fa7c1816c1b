import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import * as pty from 'node-pty';
import { SpawnError } from './errors.js';
import { signalExitCode, type ExecProcess, type SpawnSpec } from './exec-process.js';
import { ProcessEvents } from './process-events.js';
import type { HostnameStrategy } from './container-env.js';
import { wrapForHostname } from './container-env.js';
import { killGroup } from './kill-group.js';

/** How often a paused PTY checks whether its process died (see `pause`). */
const DEAD_WHILE_PAUSED_POLL_MS = 50;

/**
 * A command in a real pseudo-terminal (node-pty, raw bytes, no decoding). stderr is merged by the
 * PTY itself, as with a real container TTY.
 */
export class PtyProcess extends ProcessEvents implements ExecProcess {
  readonly pid: number;
  readonly #term: pty.IPty;
  #stdinOpen = true;
  #paused = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #slaveFd: number | undefined;

  constructor(spec: SpawnSpec, strategy: HostnameStrategy) {
    super();
    const run = wrapForHostname(strategy, spec.argv, spec.file, spec.hostname, spec.env);
    try {
      this.#term = pty.spawn(run.file, run.args, {
        name: spec.env['TERM'] ?? 'xterm',
        cols: spec.cols,
        rows: spec.rows,
        cwd: spec.cwd,
        env: run.env,
        encoding: null,
      });
    } catch (err) {
      throw new SpawnError(`failed to allocate a PTY: ${(err as Error).message}`, err);
    }
    this.pid = this.#term.pid;
    this.#holdSlave();
    this.#term.onData((data) => {
      // encoding: null makes node-pty hand out Buffers; the typing says string.
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : (data as unknown as Buffer);
      this.emitOutput('stdout', buf);
    });
    // node-pty fires onExit only after its read side closed (or 200 ms later), i.e. after the last data.
    this.#term.onExit(({ exitCode, signal }) => {
      this.#stopPoll();
      this.#releaseSlave();
      this.emitEnd({ kind: 'exit', exitCode: signal ? signalExitCode(signal) : exitCode });
    });
  }

  /** node-pty queues writes itself and exposes no drain signal; the kernel PTY buffer throttles the writer. */
  writeStdin(data: Buffer): boolean {
    if (this.#stdinOpen && !this.hasEnded) this.#term.write(data);
    return true;
  }

  whenStdinDrained(listener: () => void): void {
    listener();
  }

  /** A PTY has no stdin EOF of its own; a real runtime closes its copy loop and sends nothing. */
  endStdin(): void {
    this.#stdinOpen = false;
  }

  resize(cols: number, rows: number): void {
    if (this.hasEnded || cols < 1 || rows < 1) return;
    try {
      this.#term.resize(cols, rows);
    } catch {
      // The PTY closed between the exit and our notification; nothing to resize.
    }
  }

  /**
   * Backpressure. node-pty destroys a PTY's read side 200 ms after the process exits even if data
   * is still unread, so while paused we watch the pid and resume once it is gone: what is left is
   * at most one kernel PTY buffer, so memory stays bounded and the tail of the output is not lost.
   */
  pause(): void {
    if (this.#paused || this.hasEnded) return;
    this.#paused = true;
    this.#term.pause();
    this.#pollTimer = setInterval(() => {
      if (!isAlive(this.pid)) this.resume();
    }, DEAD_WHILE_PAUSED_POLL_MS);
    this.#pollTimer.unref();
  }

  resume(): void {
    this.#stopPoll();
    if (!this.#paused) return;
    this.#paused = false;
    this.#term.resume();
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.hasEnded) return;
    killGroup(this.pid, signal);
  }

  /**
   * Keeps our own handle on the PTY's slave side for the life of the process. Without it the
   * output tail is lost: when the last slave fd closes, libuv sees POLLHUP after a partial read
   * and reports EOF although the master still holds unread data (a PTY read never fills libuv's
   * buffer). Held open, the master never hangs up; node-pty then reads on until it closes the
   * read side itself, 200 ms after the process exited (the cost: a TTY exec's status comes ~200 ms
   * after the exit). Opened synchronously right after the fork, before any read can happen.
   */
  #holdSlave(): void {
    const ptsName = (this.#term as unknown as { ptsName?: string }).ptsName;
    if (!ptsName) return;
    try {
      this.#slaveFd = openSync(ptsName, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
    } catch {
      // Out of fds, or the process already gone: fall back to node-pty's own EOF handling.
    }
  }

  #releaseSlave(): void {
    if (this.#slaveFd === undefined) return;
    try {
      closeSync(this.#slaveFd);
    } catch {
      // Already closed.
    }
    this.#slaveFd = undefined;
  }

  #stopPoll(): void {
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
