import { readdirSync } from 'node:fs';
import type { BrokerMetrics } from '../metrics/metrics.js';
import { BROKER_GAUGES, ENDING_GAUGES, RESOURCE_GAUGES } from '../metrics/metrics.js';
import { jsonResponse, type DebugResponse } from './debug-response.js';

/**
 * `/debug/resources`: what the process holds right now, to compare against what sessions say they
 * hold. Rule: everything here is read at call time from the runtime (libuv handles and requests via
 * `process.getActiveResourcesInfo()`, file descriptors via /proc) — never from the broker's own
 * bookkeeping, so a leak the bookkeeping missed still shows.
 */

/** Active libuv resources grouped by type (TCPWrap, Timeout, FSReqCallback, …), sorted by count. */
export function activeResourcesByType(): Record<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** Open file descriptors of this process (Linux /proc), or null where /proc is unavailable. */
export function openFdCount(): number | null {
  try {
    // The directory listing itself holds one descriptor while it reads: it is not counted.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return null;
  }
}

/** Reads the per-session resource gauges and the live session count from the metrics registry. */
export async function readResourceGauges(metrics: BrokerMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const kind of [
    ...RESOURCE_GAUGES,
    ...ENDING_GAUGES,
    ...BROKER_GAUGES,
    'sessionsActive',
    'leakSuspected',
  ] as const) {
    const data = await metrics[kind].get();
    out[kind] = data.values.reduce((sum, v) => sum + v.value, 0);
  }
  return out;
}

export interface ResourcesReport {
  pid: number;
  uptimeSeconds: number;
  activeResources: { total: number; byType: Record<string, number> };
  gauges: Record<string, number>;
  openFds: number | null;
  memory: NodeJS.MemoryUsage;
}

/** Builds the report body (exported for tests and for callers that want the data, not a response). */
export function collectResources(gauges: Readonly<Record<string, number>>): ResourcesReport {
  const byType = activeResourcesByType();
  return {
    pid: process.pid,
    uptimeSeconds: Math.round(process.uptime()),
    activeResources: { total: Object.values(byType).reduce((a, b) => a + b, 0), byType },
    gauges: { ...gauges },
    openFds: openFdCount(),
    memory: process.memoryUsage(),
  };
}

/** The `/debug/resources` response. `gauges`: the resource gauge values (ResourceGauges.snapshot() or readResourceGauges). */
export function resourcesReport(gauges: Readonly<Record<string, number>>): DebugResponse {
  return jsonResponse(200, collectResources(gauges));
}
