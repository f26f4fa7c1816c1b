import type { HttpResponse } from 'uWebSockets.js';
import { isWritable } from '../server/http-reply.js';

/**
 * A request body read as a stream with backpressure. Must be created synchronously in the handler
 * (uWS drops body data that arrives before `onData` is set); it pauses the request at once, so
 * nothing flows while the transfer authenticates and prepares. Chunks that arrived before a sink
 * was attached are copied (uWS reuses their memory after the callback) and bounded by what the
 * socket had already read; once `start` attached the sink, chunks are handed over as views that
 * are valid only during the call (the sink copies what it keeps: encoding a frame copies).
 */
export class RequestBody {
  private readonly early: Uint8Array[] = [];
  private sink: ((chunk: Uint8Array, isLast: boolean) => void) | null = null;
  private last = false;
  received = 0;

  constructor(private readonly res: HttpResponse) {
    res.onData((chunk, isLast) => {
      this.received += chunk.byteLength;
      if (this.sink !== null) this.sink(new Uint8Array(chunk), isLast);
      else {
        this.early.push(new Uint8Array(chunk.slice(0)));
        this.last = isLast;
      }
    });
    res.pause();
  }

  /** Attaches the sink, hands it what arrived so far, and lets the body flow. */
  start(sink: (chunk: Uint8Array, isLast: boolean) => void): void {
    this.sink = sink;
    const early = this.early.splice(0);
    for (let i = 0; i < early.length; i++) sink(early[i]!, this.last && i === early.length - 1);
    if (early.length === 0 && this.last) sink(new Uint8Array(0), true);
    this.resume();
  }

  /** No-ops once the response was answered or aborted (uWS forbids touching it then). */
  pause(): void {
    if (isWritable(this.res)) this.res.pause();
  }

  resume(): void {
    if (isWritable(this.res)) this.res.resume();
  }
}
