import { setFlagsFromString } from 'node:v8';

/**
 * Two V8 heap settings a relay needs (docs/operations.md, "Relay CPU and V8's heap limit"). Every TLS
 * read of an exec stream and every frame `ws` reassembles is a fresh ArrayBuffer: dead within a frame,
 * but freed only at the next scavenge, and V8 counts the bytes of the ones still alive (external
 * memory) against the old generation. A relay allocates so few JavaScript objects that scavenges are
 * rare, so those bytes pile up, and V8 answers with full markings of the whole heap: 10–18 per 150 MB
 * flood, twice the floor relay's CPU per byte (docs/benchmarks.md, "Relay CPU per GB against a floor").
 *
 * - `heapGrowingPercent` (HEAP_GROWING_PERCENT, default 100): the old generation may grow this far past
 *   what the last full collection kept. V8 picks the factor itself from how fast JavaScript allocates,
 *   so for a relay it picks its minimum (about 1.1x), and Node 20's V8 starts a marking once the
 *   buffers fill that small room (~8 MB over a 36 MB heap).
 * - `semiSpaceGrowthFactor` (SEMI_SPACE_GROWTH_FACTOR, default 1): how V8 grows its young generation.
 *   V8 doubles it under load, which makes scavenges rarer still; Node 24's V8 then starts a marking
 *   whenever the buffers alive reach its external-memory limit (64 MB), whatever the growing factor.
 *   At 1 the young generation keeps its first size and a scavenge frees the buffers every few MB.
 *
 * 0 leaves V8's own choice. Process-wide, so they are applied by the CLI (`serve`) at start, never by
 * an embedding that calls startBroker.
 */
export interface HeapSettings {
  heapGrowingPercent: number;
  semiSpaceGrowthFactor: number;
}

export function applyHeapSettings(s: HeapSettings): void {
  if (s.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${s.heapGrowingPercent}`);
  if (s.semiSpaceGrowthFactor > 0) setFlagsFromString(`--semi-space-growth-factor=${s.semiSpaceGrowthFactor}`);
}
