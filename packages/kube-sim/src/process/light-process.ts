import type { ExecProcess, OutputStream, ProcessEnd } from './exec-process.js';

/**
 * Light container mode: no OS process. Stdin is echoed to stdout, a resize (tty only) prints
 * `\r\n[resized to WxH]\r\n`, and stdin EOF ends it with exit code 0. Holds no buffers of its own,
 * so thousands fit in memory for load tests.
 */
export class LightProcess implements ExecProcess {
  readonly pid = null;
  readonly #tty: boolean;
  #output: ((stream: OutputStream, data: Buffer) => void) | undefined;
  #endListener: ((end: ProcessEnd) => void) | undefined;
  #ended: ProcessEnd | undefined;

  constructor(tty: boolean) {
    this.#tty = tty;
  }

  onOutput(listener: (stream: OutputStream, data: Buffer) => void): void {
    this.#output = listener;
  }

  onEnd(listener: (end: ProcessEnd) => void): void {
    this.#endListener = listener;
    if (this.#ended) listener(this.#ended);
  }

  writeStdin(data: Buffer): boolean {
    if (!this.#ended && data.length > 0) this.#output?.('stdout', data);
    return true;
  }

  whenStdinDrained(listener: () => void): void {
    listener();
  }

  endStdin(): void {
    this.#finish(0);
  }

  resize(cols: number, rows: number): void {
    if (this.#ended || !this.#tty) return;
    this.#output?.('stdout', Buffer.from(`\r\n[resized to ${cols}x${rows}]\r\n`));
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
    if (this.#ended) return;
    this.#ended = { kind: 'exit', exitCode };
    // Asynchronous like a real exit, so echo written in the same tick is framed first.
    setImmediate(() => this.#endListener?.(this.#ended!));
  }
}
