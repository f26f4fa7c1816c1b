import type { OutputStream, ProcessEnd } from './exec-process.js';

/**
 * The listener half every ExecProcess shares: one output listener, one end listener, and an end
 * reported exactly once — also to a listener registered after the process already ended.
 */
export abstract class ProcessEvents {
  #output: ((stream: OutputStream, data: Buffer) => void) | undefined;
  #endListener: ((end: ProcessEnd) => void) | undefined;
  #ended: ProcessEnd | undefined;

  onOutput(listener: (stream: OutputStream, data: Buffer) => void): void {
    this.#output = listener;
  }

  onEnd(listener: (end: ProcessEnd) => void): void {
    this.#endListener = listener;
    if (this.#ended) listener(this.#ended);
  }

  /** Whether the end was reported. */
  protected get hasEnded(): boolean {
    return this.#ended !== undefined;
  }

  protected emitOutput(stream: OutputStream, data: Buffer): void {
    this.#output?.(stream, data);
  }

  /** Reports the end once; later calls are ignored. */
  protected emitEnd(end: ProcessEnd): void {
    if (this.#ended) return;
    this.#ended = end;
    this.#endListener?.(end);
  }
}
