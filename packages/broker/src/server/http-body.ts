import type { HttpResponse } from 'uWebSockets.js';
import { isAborted } from './http-reply.js';

/**
 * Reads a request body into one Buffer, copying each chunk at once (uWS reuses the chunk's memory
 * after the callback). Resolves null when the body exceeds `maxBytes` or the request was aborted.
 * Must be called synchronously in the handler, before any await.
 */
export function readBody(res: HttpResponse, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    res.onData((chunk, isLast) => {
      if (!tooBig) {
        size += chunk.byteLength;
        if (size > maxBytes) tooBig = true;
        else chunks.push(Buffer.from(new Uint8Array(chunk.slice(0))));
      }
      if (isLast) resolve(tooBig || isAborted(res) ? null : Buffer.concat(chunks));
    });
  });
}
