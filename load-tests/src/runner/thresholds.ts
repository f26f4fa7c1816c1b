import { UnsupportedApiError } from './unsupported.js';
import type { MetricRegistry, MetricSeries } from './metrics.js';

/**
 * k6 thresholds: `options.thresholds = { metric: ['p(95)<50', 'rate>0.99', 'count==0'] }`. Each
 * expression is `<aggregate> <op> <number>` with op one of < <= > >= == === !=; any failing
 * expression fails the run with exit code 99 after the summary (k6's ThresholdsHaveFailed).
 */
export const THRESHOLDS_FAILED_EXIT_CODE = 99;

export interface Threshold {
  metric: string;
  source: string;
  aggregate: string;
  op: string;
  value: number;
  ok?: boolean;
}

const EXPRESSION = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

export function parseThresholds(raw: unknown): Threshold[] {
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null)
    throw new Error('options.thresholds must be an object of metric name → expressions');
  const out: Threshold[] = [];
  for (const [metric, list] of Object.entries(raw)) {
    if (metric.includes('{')) throw new UnsupportedApiError(`threshold on a tagged sub-metric (${metric})`);
    if (!Array.isArray(list)) throw new Error(`options.thresholds.${metric} must be an array of expressions`);
    for (const item of list as unknown[]) {
      let source: unknown = item;
      if (typeof item === 'object' && item !== null) {
        const keys = Object.keys(item).filter((k) => k !== 'threshold');
        if (keys.length > 0)
          throw new UnsupportedApiError(
            `threshold option ${keys.map((k) => `"${k}"`).join(', ')} (in options.thresholds.${metric})`,
          );
        source = (item as { threshold: unknown }).threshold;
      }
      const m = typeof source === 'string' ? EXPRESSION.exec(source) : null;
      if (!m)
        throw new Error(
          `options.thresholds.${metric}: cannot parse ${JSON.stringify(source)}; expected e.g. 'p(95)<50', 'rate>0.99', 'count==0'`,
        );
      out.push({ metric, source: source as string, aggregate: m[1]!, op: m[2]!, value: Number(m[3]) });
    }
  }
  return out;
}

function compare(a: number, op: string, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '!=':
      return a !== b;
    default:
      return a === b;
  }
}

/**
 * Evaluates every threshold. A threshold on a metric that never got a sample is evaluated on the
 * metric's zero values, as k6 does for declared metrics; one naming an undeclared metric is an error.
 */
export function evaluateThresholds(thresholds: Threshold[], metrics: MetricRegistry): boolean {
  let allOk = true;
  for (const t of thresholds) {
    const series: MetricSeries | undefined = metrics.all.get(t.metric);
    if (!series) throw new Error(`options.thresholds names metric "${t.metric}", which the script never defines`);
    const value = series.aggregate(t.aggregate);
    if (value === undefined)
      throw new Error(
        `options.thresholds.${t.metric}: "${t.aggregate}" is not an aggregate of a ${series.type} metric`,
      );
    t.ok = compare(value, t.op, t.value);
    if (!t.ok) allOk = false;
  }
  return allOk;
}
