import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { SpawnError } from './errors.js';
import { signalExitCode, type ExecProcess, type OutputStream, type SpawnSpec } from './exec-process.js';
import { ProcessEvents } from './process-events.js';
import { wrapForHostname, type HostnameStrategy } from './container-env.js';
import { killGroup } from './kill-group.js';

/**
 * A command on pipes (no TTY): stdout and stderr stay separate. An unrequested stream is wired to
 * /dev/null, as the runtime drops writes to an unrequested channel and gives EOF on unrequested stdin.
 */
export class PipeProcess extends ProcessEvents implements ExecProcess {
  readonly pid: number;
  readonly #child: ChildProcess;
  #spawnError: Error | undefined;

  constructor(spec: SpawnSpec, strategy: HostnameStrategy) {
    super();
    const run = wrapForHostname(strategy, spec.argv, spec.file, spec.hostname, spec.env);
    this.#child = spawn(run.file, run.args, {
      argv0: strategy.kind === 'shim' ? spec.argv[0] : undefined,
      cwd: spec.cwd,
      env: run.env,
      stdio: [spec.stdin ? 'pipe' : 'ignore', spec.stdout ? 'pipe' : 'ignore', spec.stderr ? 'pipe' : 'ignore'],
      // Its own process group, so kill() reaches what it started and a Ctrl-C to the simulator does not.
      detached: true,
    });
    if (this.#child.pid === undefined) {
      // spawn reports failures asynchronously; the 'error' event below carries the reason.
      this.pid = -1;
    } else {
      this.pid = this.#child.pid;
    }
    this.#child.stdin?.on('error', () => {
      // EPIPE after the process exited: stdin writes to a dead process are dropped, as by the runtime.
    });
    this.#wire(this.#child.stdout, 'stdout');
    this.#wire(this.#child.stderr, 'stderr');
    this.#child.on('error', (err) => {
      this.#spawnError = err;
    });
    // 'close' comes after both output pipes ended, i.e. after the last chunk was delivered.
    this.#child.on('close', (code, signal) => {
      if (this.#spawnError)
        this.emitEnd({ kind: 'error', message: new SpawnError(this.#spawnError.message, this.#spawnError).message });
      else this.emitEnd({ kind: 'exit', exitCode: code ?? signalExitCode(signal) });
    });
  }

  #wire(stream: Readable | null, name: OutputStream): void {
    stream?.on('data', (chunk: Buffer) => this.emitOutput(name, chunk));
  }

  writeStdin(data: Buffer): boolean {
    const stdin = this.#child.stdin;
    if (!stdin || stdin.writableEnded || stdin.destroyed) return true;
    return stdin.write(data);
  }

  whenStdinDrained(listener: () => void): void {
    const stdin = this.#child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writableNeedDrain) {
      listener();
      return;
    }
    const done = (): void => {
      stdin.off('drain', done);
      stdin.off('close', done);
      listener();
    };
    stdin.on('drain', done);
    stdin.on('close', done);
  }

  endStdin(): void {
    const stdin = this.#child.stdin;
    if (stdin && !stdin.writableEnded) stdin.end();
  }

  resize(): void {
    // No TTY: the apiserver never wires resize events without one.
  }

  pause(): void {
    this.#child.stdout?.pause();
    this.#child.stderr?.pause();
  }

  resume(): void {
    this.#child.stdout?.resume();
    this.#child.stderr?.resume();
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.hasEnded || this.pid < 0) return;
    killGroup(this.pid, signal);
  }
}
