/**
 * k6's four metric types and the samples they keep. Trend keeps every sample (k6 does too, for the
 * end-of-test summary); Rate counts non-zero vs all; Counter sums; Gauge keeps the last, min and max.
 */
export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

export class MetricSeries {
  count = 0;
  sum = 0;
  nonZero = 0;
  last = 0;
  min = Infinity;
  max = -Infinity;
  readonly samples: number[] = [];

  constructor(
    readonly name: string,
    readonly type: MetricType,
    readonly isTime: boolean,
  ) {}

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value !== 0) this.nonZero++;
    this.last = value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.type === 'trend') this.samples.push(value);
  }

  /** The values k6 puts in the summary and thresholds for this type. */
  values(): Record<string, number> {
    switch (this.type) {
      case 'counter':
        return { count: this.sum, rate: this.sum / Math.max(1e-9, elapsedSeconds()) };
      case 'gauge':
        return { value: this.last, min: this.count ? this.min : 0, max: this.count ? this.max : 0 };
      case 'rate':
        return {
          rate: this.count ? this.nonZero / this.count : 0,
          passes: this.nonZero,
          fails: this.count - this.nonZero,
        };
      case 'trend': {
        const sorted = [...this.samples].sort((a, b) => a - b);
        return {
          avg: this.count ? this.sum / this.count : 0,
          min: this.count ? this.min : 0,
          med: percentile(sorted, 50),
          max: this.count ? this.max : 0,
          'p(90)': percentile(sorted, 90),
          'p(95)': percentile(sorted, 95),
        };
      }
    }
  }

  /** Any aggregate a threshold may name, e.g. p(99.9) for a Trend. */
  aggregate(name: string): number | undefined {
    const v = this.values();
    if (name in v) return v[name];
    const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(name);
    if (this.type === 'trend' && p)
      return percentile(
        [...this.samples].sort((a, b) => a - b),
        Number(p[1]),
      );
    return undefined;
  }
}

/** k6's percentile: linear interpolation between the closest ranks. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

let startedAt = Date.now();
let endedAt: number | null = null;
export function markTestStart(): void {
  startedAt = Date.now();
  endedAt = null;
}
export function markTestEnd(): void {
  endedAt = Date.now();
}
export function elapsedSeconds(): number {
  return ((endedAt ?? Date.now()) - startedAt) / 1000;
}

/** Every metric of the run, built-in and custom, by name. */
export class MetricRegistry {
  readonly all = new Map<string, MetricSeries>();

  get(name: string, type: MetricType, isTime = false): MetricSeries {
    const existing = this.all.get(name);
    if (existing) {
      if (existing.type !== type)
        throw new Error(`metric "${name}" is already a ${existing.type}, cannot redefine it as a ${type}`);
      return existing;
    }
    if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/.test(name))
      throw new Error(`invalid metric name ${JSON.stringify(name)} (k6: letters, digits, underscores, at most 128)`);
    const m = new MetricSeries(name, type, isTime);
    this.all.set(name, m);
    return m;
  }
}

export const registry = new MetricRegistry();
