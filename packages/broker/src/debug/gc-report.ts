import { getHeapSpaceStatistics } from 'node:v8';
import { fullGc } from '../server/memory-trim.js';
import { jsonResponse, type DebugResponse } from './debug-response.js';

/**
 * `/debug/gc`: one full garbage collection (the same one the post-peak memory trim runs), then the
 * process's memory before and after it. What a leak check compares: the JS heap that is still
 * reachable, not the garbage V8 has not collected yet (an idle broker allocates almost nothing, so
 * without a collection the heap shows whatever the last burst left). It stops the world for the
 * collection (25–460 ms measured on a 40–90 MB heap), so it is an operator's and a load test's tool,
 * behind the admin token like every debug route.
 */
let gc: (() => void) | null = null;

export function gcReport(): DebugResponse {
  const before = process.memoryUsage();
  const start = process.hrtime.bigint();
  // Obtained at the first call, as the trim does: V8's flags stay untouched until someone asks.
  gc ??= fullGc();
  gc();
  const gcMs = Number(process.hrtime.bigint() - start) / 1e6;
  const after = process.memoryUsage();
  const pick = (m: NodeJS.MemoryUsage) => ({
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    rssBytes: m.rss,
  });
  // Where the live heap is, after the collection: old objects, code, maps, large objects…
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  return jsonResponse(200, {
    gcMs: Math.round(gcMs * 10) / 10,
    before: pick(before),
    after: pick(after),
    spacesUsedBytes: spaces,
  });
}
