import type { MetricRegistry, MetricSeries } from './metrics.js';
import type { Threshold } from './thresholds.js';

/**
 * The end-of-test summary: the data object k6 hands to `handleSummary(data)` (metrics with type,
 * contains, values and thresholds; root_group.checks; state.testRunDurationMs) and k6's classic text
 * layout (checks with ✓/✗ and their pass ratio, then one dotted line per metric, a threshold's ✓/✗ in
 * front of its metric).
 */
export interface SummaryData {
  root_group: {
    name: string;
    path: string;
    id: string;
    groups: unknown[];
    checks: { name: string; path: string; id: string; passes: number; fails: number }[];
  };
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<
    string,
    {
      type: string;
      contains: 'time' | 'default';
      values: Record<string, number>;
      thresholds?: Record<string, { ok: boolean }>;
    }
  >;
}

export function summaryData(
  metrics: MetricRegistry,
  thresholds: Threshold[],
  checks: Map<string, { passes: number; fails: number }>,
  durationMs: number,
): SummaryData {
  const out: SummaryData['metrics'] = {};
  for (const [name, m] of [...metrics.all.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const entry: SummaryData['metrics'][string] = {
      type: m.type,
      contains: m.isTime ? 'time' : 'default',
      values: m.values(),
    };
    const own = thresholds.filter((t) => t.metric === name);
    if (own.length > 0) entry.thresholds = Object.fromEntries(own.map((t) => [t.source, { ok: t.ok === true }]));
    out[name] = entry;
  }
  return {
    root_group: {
      name: '',
      path: '',
      id: 'd41d8cd98f00b204e9800998ecf8427e',
      groups: [],
      checks: [...checks.entries()].map(([name, c], i) => ({
        name,
        path: `::${name}`,
        id: String(i),
        passes: c.passes,
        fails: c.fails,
      })),
    },
    options: { summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'], summaryTimeUnit: '', noColor: true },
    state: {
      isStdOutTTY: Boolean(process.stdout.isTTY),
      isStdErrTTY: Boolean(process.stderr.isTTY),
      testRunDurationMs: durationMs,
    },
    metrics: out,
  };
}

/** k6's human duration: 512µs, 12.34ms, 1.2s, 1m5s. */
function duration(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${Number(ms.toFixed(2))}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))}s`;
  return `${Math.floor(ms / 60_000)}m${Number(((ms % 60_000) / 1000).toFixed(1))}s`;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(6)));
}

function metricLine(m: SummaryData['metrics'][string]): string {
  const v = m.values;
  const fmt = (x: number) => (m.contains === 'time' ? duration(x) : num(x));
  switch (m.type) {
    case 'counter':
      return `${fmt(v['count']!).padEnd(6)} ${num(Number(v['rate']!.toFixed(6)))}/s`;
    case 'gauge':
      return `${fmt(v['value']!).padEnd(6)} min=${fmt(v['min']!)} max=${fmt(v['max']!)}`;
    case 'rate':
      return `${(v['rate']! * 100).toFixed(2)}% ✓ ${String(v['passes']).padEnd(8)} ✗ ${v['fails']}`;
    default:
      return ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']
        .map((k) => `${k}=${fmt(v[k]!)}`.padEnd(14))
        .join(' ')
        .trimEnd();
  }
}

export function textSummary(data: SummaryData): string {
  const lines: string[] = [''];
  for (const c of data.root_group.checks) {
    const total = c.passes + c.fails;
    lines.push(`     ${c.fails === 0 ? '✓' : '✗'} ${c.name}`);
    if (c.fails > 0) lines.push(`      ↳  ${Math.floor((c.passes / total) * 100)}% — ✓ ${c.passes} / ✗ ${c.fails}`);
  }
  if (data.root_group.checks.length > 0) lines.push('');
  const names = Object.keys(data.metrics);
  const width = Math.max(30, ...names.map((n) => n.length + 2));
  for (const name of names) {
    const m = data.metrics[name]!;
    const th = m.thresholds ? Object.values(m.thresholds) : [];
    const mark = th.length === 0 ? ' ' : th.every((t) => t.ok) ? '✓' : '✗';
    lines.push(`   ${mark} ${name.padEnd(width, '.')}: ${metricLine(m)}`);
    if (m.thresholds)
      for (const [expr, t] of Object.entries(m.thresholds)) if (!t.ok) lines.push(`       ✗ threshold ${expr} crossed`);
  }
  lines.push(
    '',
    `     running (${duration(data.state.testRunDurationMs)}), 0/${data.metrics['vus_max']?.values['max'] ?? 0} VUs`,
    '',
  );
  return lines.join('\n');
}

export type { MetricSeries };
