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
      if (isLast) this.ended = true;
      if (this.sink !== null) this.sink(new Uint8Array(chunk), isLast);
      else {
        this.early.push(new Uint8Array(chunk.slice(0)));
        this.last = isLast;
      }
    });
    res.pause();
  }

  /** True once the last chunk arrived. */
  ended = false;

  /**
   * Reads and drops the rest of the body, then calls `done` — or calls it at once past `maxBytes`.
   * Rule: answer a refused upload only after its body was read: uWS closes a connection that is
   * answered with body bytes still unread, and most clients (browsers' XHR, Node's http) then report
   * a reset instead of the answer. Past `maxBytes` the answer goes out anyway (and the connection closes).
   */
  discardThen(maxBytes: number, done: () => void): void {
    if (this.ended) {
      done();
      return;
    }
    let dropped = 0;
    let called = false;
    const finish = (): void => {
      if (called) return;
      called = true;
      done();
    };
    this.start((chunk, isLast) => {
      dropped += chunk.length;
      if (isLast || dropped > maxBytes) finish();
    });
    if (this.ended) finish();
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
