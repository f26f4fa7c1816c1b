import type { ExecProcess } from './exec-process.js';
import { ProcessEvents } from './process-events.js';

/**
 * Light container mode: no OS process. Stdin is echoed to stdout, a resize (tty only) prints
 * `\r\n[resized to WxH]\r\n`, and stdin EOF ends it with exit code 0. Holds no buffers of its own,
 * so thousands fit in memory for load tests.
 */
export class LightProcess extends ProcessEvents implements ExecProcess {
  readonly pid = null;
  readonly #tty: boolean;
  /** Set at stdin EOF or kill; the end itself is reported on the next turn. */
  #stopped = false;

  constructor(tty: boolean) {
    super();
    this.#tty = tty;
  }

  writeStdin(data: Buffer): boolean {
    if (!this.#stopped && data.length > 0) this.emitOutput('stdout', data);
    return true;
  }

  whenStdinDrained(listener: () => void): void {
    listener();
  }

  endStdin(): void {
    this.#finish(0);
  }

  resize(cols: number, rows: number): void {
    if (this.#stopped || !this.#tty) return;
    this.emitOutput('stdout', Buffer.from(`\r\n[resized to ${cols}x${rows}]\r\n`));
  }

  pause(): void {
    // Output is produced only in reaction to input; the stdin side throttles it.
  }

  resume(): void {}

  /** A signal ends it like a shell killed by that signal would (128+n); SIGKILL = 137. */
  kill(): void {
    this.#finish(137);
  }

  #finish(exitCode: number): void {
    if (this.#stopped) return;
    this.#stopped = true;
    // Asynchronous like a real exit, so echo written in the same tick is framed first.
    setImmediate(() => this.emitEnd({ kind: 'exit', exitCode }));
  }
}
