import type { Readable } from 'node:stream';
import type { HttpResponse } from 'uWebSockets.js';
import { isAborted, markDone, reply, statusLine } from '../server/http-reply.js';
import type { RouteRegistrar } from '../server/routes.js';
import { cpuProfile } from './cpu-profile.js';
import type { DebugResponse } from './debug-response.js';
import { gcReport } from './gc-report.js';
import { heapSnapshot } from './heap-snapshot.js';
import { pprofCpu, pprofHeap } from './pprof-profiles.js';
import { resourcesReport } from './resources-report.js';
import { sessionsReport, type SessionSnapshot } from './sessions-report.js';

/**
 * The pprof-style endpoints on the admin port (the admin app's bearer guard runs before these):
 *   GET /debug/sessions[?tenant=NAME&limit=N]   live sessions and what each holds
 *   GET /debug/resources                        libuv resources by type, resource gauges, fd count
 *   GET /debug/pprof/heap                       sampling heap profile, pprof protobuf (go tool pprof)
 *   GET /debug/pprof/profile?seconds=N          CPU profile, pprof protobuf, N in 1..60 (default 10)
 *   GET /debug/heapsnapshot                     V8 heap snapshot download (streamed with backpressure)
 *   GET /debug/cpuprofile?seconds=N             CPU profile as DevTools .cpuprofile JSON
 *   GET /debug/gc                               one full garbage collection; memory before and after it (JSON)
 * Query values are copied before any await (uWS invalidates the request object after the handler returns).
 */

/** How often a paused stream or a running profile checks whether the client went away. */
const ABORT_POLL_MS = 250;

/** Writes a DebugResponse: a string at once, a Readable chunk by chunk, pausing on uWS backpressure. */
export function sendDebugResponse(res: HttpResponse, out: DebugResponse): void {
  if (typeof out.body === 'string') {
    reply(res, out.status, out.body, out.headers);
    return;
  }
  streamToUws(res, out.status, out.headers, out.body);
}

function streamToUws(res: HttpResponse, status: number, headers: Record<string, string>, stream: Readable): void {
  if (isAborted(res)) {
    stream.destroy();
    return;
  }
  markDone(res); // from here on this function owns the response; the generic 500 path must not touch it
  let finished = false;
  let poll: NodeJS.Timeout | undefined;
  const finish = (): void => {
    finished = true;
    if (poll) clearInterval(poll);
    poll = undefined;
  };
  res.cork(() => {
    res.writeStatus(statusLine(status));
    for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
  });
  // uWS reports an abort only through onAborted, which the route wrapper owns: poll its flag instead,
  // so a client that vanished mid-download never leaves the stream (and its heap copy) paused forever.
  poll = setInterval(() => {
    if (isAborted(res)) {
      finish();
      stream.destroy();
    }
  }, ABORT_POLL_MS);
  stream.on('data', (chunk: Buffer | string) => {
    if (finished || isAborted(res)) {
      finish();
      stream.destroy();
      return;
    }
    let ok = true;
    res.cork(() => {
      ok = res.write(
        typeof chunk === 'string' ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
      );
    });
    if (!ok) {
      // write() buffered the chunk; read no more until uWS drained it.
      stream.pause();
      res.onWritable(() => {
        if (!finished) stream.resume();
        return true;
      });
    }
  });
  stream.once('end', () => {
    if (finished || isAborted(res)) return finish();
    finish();
    res.cork(() => res.end());
  });
  stream.once('error', () => {
    if (finished || isAborted(res)) return finish();
    finish();
    res.close();
  });
}

function intOrUndefined(raw: string): number | undefined {
  return /^\d{1,6}$/.test(raw) ? Number(raw) : undefined;
}

export const registerDebugRoutes: RouteRegistrar = (app, ctx) => {
  app.get('/debug/sessions', (res, req) => {
    const tenant = req.getQuery('tenant') ?? '';
    const limit = intOrUndefined(req.getQuery('limit') ?? '');
    const snapshots = ctx.sessions.list().map((s) => s.info() as SessionSnapshot);
    const opts: Parameters<typeof sessionsReport>[1] = { tenant: tenant || null };
    if (limit !== undefined) opts.limit = limit;
    if (ctx.transfers !== undefined) opts.transfers = ctx.transfers.list();
    sendDebugResponse(res, sessionsReport(snapshots, opts));
  });

  app.get('/debug/resources', (res) => {
    sendDebugResponse(res, resourcesReport({ ...ctx.gauges.snapshot(), sessionsActive: ctx.sessions.size }));
  });

  app.get('/debug/gc', (res) => {
    sendDebugResponse(res, gcReport());
  });

  app.get('/debug/heapsnapshot', (res) => {
    sendDebugResponse(res, heapSnapshot());
  });

  app.get('/debug/pprof/heap', async (res) => {
    const out = await pprofHeap();
    if (!isAborted(res)) sendDebugResponse(res, out);
  });

  const profileRoute =
    (profile: typeof cpuProfile): Parameters<typeof app.get>[1] =>
    async (res, req) => {
      const seconds = req.getQuery('seconds') ?? null;
      const abort = new AbortController();
      const poll = setInterval(() => {
        if (isAborted(res) || ctx.isDraining()) abort.abort();
      }, ABORT_POLL_MS);
      try {
        const out = await profile(seconds, { signal: abort.signal });
        if (!isAborted(res)) sendDebugResponse(res, out);
      } finally {
        clearInterval(poll);
      }
    };
  app.get('/debug/pprof/profile', profileRoute(pprofCpu));
  app.get('/debug/cpuprofile', profileRoute(cpuProfile));
};
