import { loadavg } from 'node:os';
import type { PrometheusServer } from './prometheus.js';

/**
 * The capacity figures docs/benchmarks.md publishes, read back from Prometheus after a run (so they
 * are what an operator's dashboards would show): broker RSS and JS heap before and at the peak, per
 * session, CPU while the sessions were held, worst event-loop lag, most open fds, and the machine's
 * load average (this machine is shared, which the figures must say).
 */
export interface RunFigures {
  peakSessions: number | null;
  rssBaselineMb: number | null;
  rssPeakMb: number | null;
  rssPerSessionKb: number | null;
  heapBaselineMb: number | null;
  heapPeakMb: number | null;
  heapPerSessionKb: number | null;
  cpuDuringHoldPct: number | null;
  eventLoopLagP99MaxMs: number | null;
  openFdsMax: number | null;
  loadAverage: number[];
}

const MB = 1024 * 1024;

export async function runFigures(
  prom: PrometheusServer,
  from: number,
  to: number,
  holdWindow?: { from: number; to: number },
): Promise<RunFigures> {
  const range = `${Math.ceil((to - from) / 1000)}s`;
  const at = (q: string, t: number) => prom.scalar(q, t);
  const job = '{job="pod-shell-broker"}';
  const peakSessions = await at(`max_over_time(podshell_sessions_active${job}[${range}])`, to);
  const rss0 = await at(`process_resident_memory_bytes${job}`, from);
  const rss1 = await at(`max_over_time(process_resident_memory_bytes${job}[${range}])`, to);
  const heap0 = await at(`nodejs_heap_size_used_bytes${job}`, from);
  const heap1 = await at(`max_over_time(nodejs_heap_size_used_bytes${job}[${range}])`, to);
  let cpu: number | null = null;
  if (holdWindow && holdWindow.to - holdWindow.from >= 5000) {
    const w = `${Math.floor((holdWindow.to - holdWindow.from) / 1000)}s`;
    const rate = await at(`rate(process_cpu_seconds_total${job}[${w}])`, holdWindow.to);
    cpu = rate === null ? null : rate * 100;
  }
  const lag = await at(`max_over_time(nodejs_eventloop_lag_p99_seconds${job}[${range}])`, to);
  const fds = await at(`max_over_time(process_open_fds${job}[${range}])`, to);
  const per = (a: number | null, b: number | null): number | null =>
    a === null || b === null || !peakSessions ? null : Math.round(((b - a) / peakSessions / 1024) * 10) / 10;
  const mb = (x: number | null): number | null => (x === null ? null : Math.round(x / MB));
  return {
    peakSessions,
    rssBaselineMb: mb(rss0),
    rssPeakMb: mb(rss1),
    rssPerSessionKb: per(rss0, rss1),
    heapBaselineMb: mb(heap0),
    heapPeakMb: mb(heap1),
    heapPerSessionKb: per(heap0, heap1),
    cpuDuringHoldPct: cpu === null ? null : Math.round(cpu * 10) / 10,
    eventLoopLagP99MaxMs: lag === null ? null : Math.round(lag * 1000 * 10) / 10,
    openFdsMax: fds,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
