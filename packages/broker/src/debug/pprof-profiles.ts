import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { encode, heap, time } from '@datadog/pprof';
import { parseProfileSeconds } from './cpu-profile.js';
import { errorResponse, type DebugResponse } from './debug-response.js';

/**
 * The pprof endpoints, in the gzipped protobuf format `go tool pprof`, Pyroscope and Grafana read:
 *   /debug/pprof/heap               sampling heap profile: live allocations by allocation site
 *   /debug/pprof/profile?seconds=N  CPU profile, N in 1..60 (default 10)
 * Heap sampling runs from start-up (startHeapSampling, PPROF_HEAP_INTERVAL_BYTES, default one sample
 * per 512 KiB allocated, V8's sampling heap profiler: cheap enough to leave on), because an allocation
 * made before sampling started is never in a profile, and a leak is found after the fact.
 */
const STACK_DEPTH = 64;
const CPU_SAMPLE_INTERVAL_US = 1000;
let heapSampling = false;
let cpuInFlight = false;

/** Starts heap sampling once per process; 0 bytes = off. Returns whether it is on. */
export function startHeapSampling(intervalBytes: number): boolean {
  if (intervalBytes <= 0 || heapSampling) return heapSampling;
  heap.start(intervalBytes, STACK_DEPTH);
  heapSampling = true;
  return true;
}

export function stopHeapSampling(): void {
  if (!heapSampling) return;
  heap.stop();
  heapSampling = false;
}

function pprofBody(buf: Buffer, name: string): DebugResponse {
  return {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="pod-shell-${process.pid}-${name}.pb.gz"`,
      'cache-control': 'no-store',
    },
    body: Readable.from([buf]),
  };
}

/** The live heap by allocation site, or 409 when sampling is off. */
export async function pprofHeap(): Promise<DebugResponse> {
  if (!heapSampling)
    return errorResponse(
      409,
      'heap sampling is off (PPROF_HEAP_INTERVAL_BYTES=0); the V8 heap snapshot is at /debug/heapsnapshot',
    );
  return pprofBody(await encode(heap.profile()), 'heap');
}

/** Profiles the CPU for `seconds`; an abort (client gone, drain) stops early with 499. One at a time (409). */
export async function pprofCpu(
  seconds: string | number | null | undefined,
  options: { signal?: AbortSignal } = {},
): Promise<DebugResponse> {
  const parsed = parseProfileSeconds(seconds);
  if (typeof parsed === 'string') return errorResponse(400, parsed);
  if (cpuInFlight) return errorResponse(409, 'a CPU profile is already being taken');
  cpuInFlight = true;
  try {
    time.start({ intervalMicros: CPU_SAMPLE_INTERVAL_US, durationMillis: parsed * 1000 });
    let aborted = false;
    try {
      await sleep(parsed * 1000, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      aborted = true;
    }
    const profile = time.stop();
    if (aborted) return errorResponse(499, 'profile aborted');
    return pprofBody(await encode(profile), 'cpu');
  } finally {
    cpuInFlight = false;
  }
}
