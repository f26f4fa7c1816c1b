import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection kept, before it marks
 * the heap again. V8 picks this factor itself from how fast JavaScript allocates: a relay allocates
 * almost no JavaScript objects, so V8 settles on its minimum (about 1.1x, ~8 MB of room over a 36 MB
 * heap). But V8 also counts, against that same room, the ArrayBuffer bytes allocated since the last
 * full collection that are still alive — and every TLS read of the exec stream and every frame `ws`
 * reassembles is a fresh ArrayBuffer, dead within a frame but only freed at the next scavenge, which
 * a relay that allocates little JavaScript rarely triggers. So a flood started a full marking of the
 * whole heap every ~8 MB relayed (10–18 per 150 MB) and doubled the broker's CPU per relayed byte
 * (docs/benchmarks.md, "Relay CPU per GB against a floor"). A fixed factor of 1 + percent/100 gives
 * those short-lived buffers room; 0 leaves V8's own choice.
 *
 * Process-wide, so it is applied by the CLI (`serve`), never by an embedding that calls startBroker.
 */
export function applyHeapGrowingPercent(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
