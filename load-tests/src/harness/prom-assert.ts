import type { PrometheusServer } from './prometheus.js';

import { IDLE_ZERO_GAUGES } from '../../../packages/broker/dist/metrics/metrics.js';

/** The broker gauges a session holds something in (docs/operations.md); all must read 0 once it ended. */
export const SESSION_GAUGES = IDLE_ZERO_GAUGES;

export interface PromExpectations {
  /** When the load began and ended (epoch ms). */
  from: number;
  to: number;
  /** The peak of podshell_sessions_active must equal this (or, as [min, max], lie within it). */
  peak: number | [number, number];
  /** How long to wait for the gauges to reach 0 after the run. */
  settleMs?: number;
}

/**
 * The run's verdict as an operator's Prometheus sees it (PromQL over the scraped admin /metrics):
 * peak sessions as expected, every session gauge 0 at the end, podshell_leak_suspected never rose.
 * Returns the failures, each naming the query and what it returned; empty = pass.
 */
export async function assertThroughPrometheus(
  prom: PrometheusServer,
  e: PromExpectations,
): Promise<{ failures: string[]; peak: number | null }> {
  const failures: string[] = [];
  const settleEnd = Date.now() + (e.settleMs ?? 15_000);
  // Wait until a scrape after the run shows every gauge at 0, or the settle time is over.
  let atEnd: Record<string, number | null> = {};
  for (;;) {
    await prom.scrapedAfter(Math.max(e.to, Date.now() - 500));
    atEnd = {};
    for (const g of SESSION_GAUGES) atEnd[g] = await prom.scalar(`${g}{job="pod-shell-broker"}`);
    if (SESSION_GAUGES.every((g) => atEnd[g] === 0) || Date.now() > settleEnd) break;
  }
  for (const g of SESSION_GAUGES)
    if (atEnd[g] !== 0)
      failures.push(`${g} is ${atEnd[g]} at the end (PromQL ${g}), expected 0: the broker kept what ${g} counts`);
  const rangeS = Math.ceil((Date.now() - e.from) / 1000) + 2;
  const peak = await prom.scalar(`max_over_time(podshell_sessions_active{job="pod-shell-broker"}[${rangeS}s])`);
  const [lo, hi] = Array.isArray(e.peak) ? e.peak : [e.peak, e.peak];
  if (peak === null || peak < lo || peak > hi)
    failures.push(
      `peak of podshell_sessions_active was ${peak} (PromQL max_over_time(...[${rangeS}s])), expected ${lo === hi ? lo : `${lo}..${hi}`}`,
    );
  const leak = await prom.scalar(`max_over_time(podshell_leak_suspected{job="pod-shell-broker"}[${rangeS}s])`);
  if (leak !== 0)
    failures.push(
      `podshell_leak_suspected rose to ${leak} during the run (PromQL max_over_time(podshell_leak_suspected[${rangeS}s]))`,
    );
  return { failures, peak };
}
