import { constants } from 'node:os';

/**
 * The process side of an exec: a real PTY, real pipes, or the in-process light echo. The exec
 * session only talks to this interface, so framing, faults and backpressure are the same for all three.
 */

/** Which output stream a chunk came from. With a TTY everything is `stdout` (the PTY merges stderr). */
export type OutputStream = 'stdout' | 'stderr';

/** How a process ended. */
export type ProcessEnd =
  /** It exited; a signal death is reported as 128+n, the way shells report it. */
  | { kind: 'exit'; exitCode: number }
  /** It could not run at all (spawn failure after the command was resolved). */
  | { kind: 'error'; message: string };

export interface ExecProcess {
  /** OS pid; null in light mode. */
  readonly pid: number | null;
  /** Registers the single output listener. Data may arrive as soon as the process is created. */
  onOutput(listener: (stream: OutputStream, data: Buffer) => void): void;
  /** Registers the single end listener; it fires once, after every output chunk was delivered. */
  onEnd(listener: (end: ProcessEnd) => void): void;
  /**
   * Writes to the process's stdin (ignored after `endStdin`). Returns false when the process is not
   * keeping up; `whenStdinDrained` then says when to send more.
   */
  writeStdin(data: Buffer): boolean;
  whenStdinDrained(listener: () => void): void;
  /** Stdin EOF: pipes end their stdin; a PTY gets nothing (no ^D: a real runtime sends none). */
  endStdin(): void;
  /** Applies a terminal size; a no-op without a TTY. */
  resize(cols: number, rows: number): void;
  /** Stops reading output (backpressure); the process blocks once its kernel buffer is full. */
  pause(): void;
  resume(): void;
  /** Kills the process and its process group. */
  kill(signal?: NodeJS.Signals): void;
}

/** What the process layer needs to start a command. */
export interface SpawnSpec {
  argv: string[];
  /** Resolved absolute path of argv[0] (see resolve-command.ts). */
  file: string;
  cwd: string;
  env: Record<string, string>;
  /** Hostname the process must see (the pod name). */
  hostname: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Initial PTY size (tty only). */
  cols: number;
  rows: number;
}

/** Maps a signal name to the 128+n exit code a shell would report. */
export function signalExitCode(signal: NodeJS.Signals | number | null | undefined): number {
  if (typeof signal === 'number') return 128 + signal;
  if (!signal) return 1;
  const n = (constants.signals as Record<string, number | undefined>)[signal];
  return n === undefined ? 1 : 128 + n;
}
