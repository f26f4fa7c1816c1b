import type { Faults } from '../faults.js';
import type { ExecProcess } from '../process/exec-process.js';

/** Tick of the `stdinBytesPerSecond` fault's delivery loop. */
const RATE_TICK_MS = 100;
/** Under the rate fault, stop reading the client once this much stdin waits here. */
const RATE_QUEUE_LIMIT = 1024 * 1024;

/** Controls reading from the client (the WebSocket), for stdin backpressure. */
export interface InputControl {
  pause(): void;
  resume(): void;
}

/**
 * Delivers client stdin to the process, in order, ending with EOF. Applies backpressure to the
 * client when the process does not keep up (pipes), and the `stdinBytesPerSecond` fault (read at
 * every tick, so it can be toggled at run time).
 */
export class StdinGate {
  readonly #process: ExecProcess;
  readonly #faults: () => Faults;
  readonly #input: InputControl;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #endRequested = false;
  #ended = false;
  #timer: NodeJS.Timeout | undefined;
  #inputPaused = false;

  constructor(process: ExecProcess, faults: () => Faults, input: InputControl) {
    this.#process = process;
    this.#faults = faults;
    this.#input = input;
  }

  write(data: Buffer): void {
    if (this.#endRequested || data.length === 0) return;
    if (this.#queue.length === 0 && this.#timer === undefined && !this.#rate()) {
      this.#deliver(data);
      return;
    }
    this.#queue.push(data);
    this.#queuedBytes += data.length;
    if (this.#queuedBytes > RATE_QUEUE_LIMIT) this.#pauseInput();
    this.#startTicking();
  }

  /** Stdin EOF, after everything already written. */
  end(): void {
    if (this.#endRequested) return;
    this.#endRequested = true;
    if (this.#queue.length === 0) this.#finish();
  }

  /** Stops the rate loop (the session is over). */
  dispose(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #rate(): number | undefined {
    const r = this.#faults().stdinBytesPerSecond;
    return r !== undefined && r > 0 ? r : undefined;
  }

  #deliver(data: Buffer): void {
    if (!this.#process.writeStdin(data)) {
      this.#pauseInput();
      this.#process.whenStdinDrained(() => {
        if (this.#queuedBytes <= RATE_QUEUE_LIMIT) this.#resumeInput();
      });
    }
  }

  #startTicking(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), RATE_TICK_MS);
  }

  #tick(): void {
    const rate = this.#rate();
    let budget = rate === undefined ? Infinity : Math.max(1, Math.floor((rate * RATE_TICK_MS) / 1000));
    while (budget > 0 && this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const part = head.length <= budget ? head : head.subarray(0, budget);
      if (part === head) this.#queue.shift();
      else this.#queue[0] = head.subarray(budget);
      budget -= part.length;
      this.#queuedBytes -= part.length;
      this.#deliver(part);
    }
    if (this.#queuedBytes <= RATE_QUEUE_LIMIT) this.#resumeInput();
    if (this.#queue.length === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      if (this.#endRequested) this.#finish();
    }
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#process.endStdin();
  }

  #pauseInput(): void {
    if (this.#inputPaused) return;
    this.#inputPaused = true;
    this.#input.pause();
  }

  #resumeInput(): void {
    if (!this.#inputPaused) return;
    this.#inputPaused = false;
    this.#input.resume();
  }
}
