import { getHeapSnapshot, writeHeapSnapshot } from 'node:v8';
import { errorResponse, type DebugResponse } from './debug-response.js';

/**
 * `/debug/pprof/heap`: a V8 heap snapshot (open it in Chrome DevTools → Memory). Taking one stops
 * the world for a while and needs memory in proportion to the heap, so at most one is produced at a
 * time; a second request while one is streaming gets 409.
 */
let inFlight = false;

function filename(): string {
  return `pod-shell-${process.pid}-${new Date().toISOString().replace(/[:.]/g, '-')}.heapsnapshot`;
}

/** Streams a fresh heap snapshot (JSON). The body is a Readable; the caller must consume or destroy it. */
export function heapSnapshot(): DebugResponse {
  if (inFlight) return errorResponse(409, 'a heap snapshot is already being taken');
  inFlight = true;
  let stream;
  try {
    stream = getHeapSnapshot();
  } catch (err) {
    inFlight = false;
    return errorResponse(500, `heap snapshot failed: ${(err as Error).message}`);
  }
  // Whichever way the stream ends (read to the end, destroyed on a client abort, failed), the slot frees.
  stream.once('close', () => {
    inFlight = false;
  });
  return {
    status: 200,
    headers: {
      'content-type': 'application/json',
      'content-disposition': `attachment; filename="${filename()}"`,
      'cache-control': 'no-store',
    },
    body: stream,
  };
}

/** Writes a heap snapshot into `dir` and returns its path (for operators who prefer a file on the volume). */
export function writeHeapSnapshotFile(dir: string): string {
  if (inFlight) throw new Error('a heap snapshot is already being taken');
  inFlight = true;
  try {
    return writeHeapSnapshot(`${dir.replace(/\/$/, '')}/${filename()}`);
  } finally {
    inFlight = false;
  }
}
