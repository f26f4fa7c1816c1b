/** Request counters by `"<METHOD> <path template> <protocol>"` (see `KubeSimStats.requests`). */
export class StatsRecorder {
  private readonly counts = new Map<string, number>();

  readonly count = (key: string): void => {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  };

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
