import type { ExecProcess, OutputStream, ProcessEnd } from '../process/exec-process.js';

/**
 * A container's running main process as seen by one `attach` stream: its output from now on, stdin and
 * resize passed through. Detaching (the client left) never touches the process, and its end is
 * reported as a plain success: attach has no exit code, the runtime just closes the streams.
 */
export class AttachedProcess implements ExecProcess {
  readonly #main: MainProcess;
  #output: ((stream: OutputStream, data: Buffer) => void) | undefined;
  #end: ((end: ProcessEnd) => void) | undefined;
  #ended = false;
  #detached = false;

  readonly #stdin: boolean;

  /** `stdin`: whether this attach stream carries stdin (it counts for the container's stdinOnce). */
  constructor(main: MainProcess, stdin: boolean) {
    this.#main = main;
    this.#stdin = stdin;
    main.attached.add(this);
  }

  get pid(): number | null {
    return this.#main.process.pid;
  }

  onOutput(listener: (stream: OutputStream, data: Buffer) => void): void {
    this.#output = listener;
  }

  onEnd(listener: (end: ProcessEnd) => void): void {
    this.#end = listener;
    if (this.#ended) listener({ kind: 'exit', exitCode: 0 });
  }

  /** Called by the main process for every output chunk. */
  deliver(stream: OutputStream, data: Buffer): void {
    if (!this.#detached) this.#output?.(stream, data);
  }

  /** Called by the main process when it ended. */
  mainEnded(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#main.attached.delete(this);
    this.#end?.({ kind: 'exit', exitCode: 0 });
  }

  writeStdin(data: Buffer): boolean {
    return this.#detached ? true : this.#main.process.writeStdin(data);
  }

  whenStdinDrained(listener: () => void): void {
    this.#main.process.whenStdinDrained(listener);
  }

  /** A client's stdin EOF does not close the container's stdin (stdinOnce is not simulated). */
  endStdin(): void {}

  resize(cols: number, rows: number): void {
    if (!this.#detached) this.#main.process.resize(cols, rows);
  }

  pause(): void {
    if (!this.#detached) this.#main.process.pause();
  }

  resume(): void {
    this.#main.process.resume();
  }

  /** Leaves the process running (a real runtime does not kill a container when a client detaches). */
  kill(): void {
    this.detach();
  }

  detach(): void {
    if (this.#detached) return;
    this.#detached = true;
    this.#main.attached.delete(this);
    this.#main.process.resume();
    if (!this.#ended) this.#main.detached(this.#stdin);
  }
}

/** A container's main process and the attach streams currently reading it. */
export interface MainProcess {
  process: ExecProcess;
  attached: Set<AttachedProcess>;
  /** An attach stream left; `stdin` says whether it carried stdin (stdinOnce closes the container's stdin then). */
  detached(stdin: boolean): void;
}
