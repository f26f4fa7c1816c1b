import type { ProcessInfo } from '../stats.js';
import type { ExecProcess } from './exec-process.js';

interface Entry {
  info: ProcessInfo;
  process: ExecProcess;
  ended: Promise<void>;
  markEnded: () => void;
}

/**
 * Every process (and light stream) the simulator runs, from spawn until it ends — including TTY
 * shells that outlived their client (`clientConnected: false`), as on a real node.
 */
export class ProcessTable {
  readonly #entries = new Map<number, Entry>();
  #nextId = 1;

  /** Registers a started process; its owner calls `ended(id)` when it ends. */
  add(process: ExecProcess, info: Omit<ProcessInfo, 'id' | 'pid' | 'clientConnected' | 'startedAt'>): number {
    const id = this.#nextId++;
    let markEnded!: () => void;
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    this.#entries.set(id, {
      info: { ...info, id, pid: process.pid, clientConnected: true, startedAt: Date.now() },
      process,
      ended,
      markEnded,
    });
    return id;
  }

  ended(id: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    entry.markEnded();
  }

  setClientConnected(id: number, connected: boolean): void {
    const entry = this.#entries.get(id);
    if (entry) entry.info.clientConnected = connected;
  }

  list(): ProcessInfo[] {
    return [...this.#entries.values()].map((e) => ({ ...e.info, command: [...e.info.command] }));
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Kills every process and waits until each has ended (or `timeoutMs` passed). */
  async killAll(timeoutMs = 5000): Promise<void> {
    const entries = [...this.#entries.values()];
    for (const e of entries) e.process.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(entries.map((e) => e.ended)), timeout]);
    clearTimeout(timer);
  }
}
