import type { ResourceGauges } from './resource-gauges.js';

/**
 * The owner of the orphaned-shell cleanup execs (threat 19) one broker starts: those that hang up
 * the shell of a session that just ended, and those that end the shells of sessions reaped from a
 * dead replica. Each runs after its session is gone, so no session can own it; this does, counts it
 * in `podshell_shell_cleanups_in_flight` while it runs, and lets drain wait for the ones still
 * running. One per broker (two brokers in one process do not wait for each other's cleanups).
 */
export class ShellCleanups {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly gauges: Pick<ResourceGauges, 'inc' | 'dec'>) {}

  /** Counts `run` until it settles. `run` must not reject (endRemoteShell never does). */
  track<T>(run: Promise<T>): Promise<T> {
    this.gauges.inc('shellCleanups');
    this.inFlight.add(run);
    const done = (): void => {
      this.inFlight.delete(run);
      this.gauges.dec('shellCleanups');
    };
    run.then(done, done);
    return run;
  }

  get size(): number {
    return this.inFlight.size;
  }

  /** Resolves when every cleanup started so far has finished, or after `timeoutMs`. Never rejects. */
  async settle(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}
