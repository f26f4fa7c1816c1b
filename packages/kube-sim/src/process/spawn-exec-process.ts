import type { ExecRequest } from '../exec/exec-request.js';
import {
  containerEnv,
  containerWorkDir,
  hostnameStrategy,
  podHostname,
  withHostnameShim,
  type HostnameStrategy,
} from './container-env.js';
import type { ExecProcess } from './exec-process.js';
import { LightProcess } from './light-process.js';
import { PipeProcess } from './pipe-process.js';
import { PtyProcess } from './pty-process.js';
import { resolveCommand } from './resolve-command.js';

/** What an exec asks for (the ExecRequest's pod, container, argv and streams), plus the initial PTY size. */
export type StartOptions = Pick<
  ExecRequest,
  'pod' | 'container' | 'command' | 'stdin' | 'stdout' | 'stderr' | 'tty'
> & { cols: number; rows: number };

/**
 * Starts the process behind an exec: light echo, a PTY (tty) or pipes. Throws MissingBinaryError
 * (before anything runs) or SpawnError.
 */
export class ProcessLauncher {
  readonly #workRoot: string;
  #strategy: HostnameStrategy | undefined;

  constructor(workRoot: string) {
    this.#workRoot = workRoot;
  }

  /** unshare or shim, decided on first use (the probe spawns a process). */
  get hostnameStrategy(): HostnameStrategy {
    this.#strategy ??= hostnameStrategy(this.#workRoot);
    return this.#strategy;
  }

  start(o: StartOptions): ExecProcess {
    if (o.container.mode === 'light') return new LightProcess(o.tty);
    const cwd = containerWorkDir(this.#workRoot, o.pod, o.container);
    const env = withHostnameShim(this.hostnameStrategy, containerEnv(o.pod, o.container, o.tty, cwd));
    const file = resolveCommand(o.command[0], env['PATH'] ?? '', cwd, o.container.missingBinaries);
    const spec = {
      argv: o.command,
      file,
      cwd,
      env,
      hostname: podHostname(o.pod.name),
      stdin: o.stdin,
      stdout: o.stdout,
      stderr: o.stderr && !o.tty,
      cols: o.cols,
      rows: o.rows,
    };
    return o.tty ? new PtyProcess(spec, this.hostnameStrategy) : new PipeProcess(spec, this.hostnameStrategy);
  }
}
