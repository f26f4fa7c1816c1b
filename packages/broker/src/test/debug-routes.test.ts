import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { registerDebugRoutes } from '../debug/debug-routes.js';
import { createLogger } from '../log/logger.js';
import { routeApp, type RouteContext } from '../server/routes.js';
import { loadUws } from '../server/uws.js';

/** A real uWS app with only the debug routes, over a minimal context. */
async function serve(): Promise<{ port: number; close(): void }> {
  const uws = loadUws();
  const app = uws.App();
  const ctx = {
    logger: createLogger({ level: 'error', sink: () => {} }),
    gauges: { snapshot: () => ({ clientSockets: 0, upstreamSockets: 0, resizeHandlers: 0, sessionTimers: 0 }) },
    sessions: {
      size: 1,
      list: () => [{ info: () => ({ id: 's1', tenant: 'demo', subject: 'alice', startedAt: Date.now() - 2000 }) }],
    },
    isDraining: () => false,
  } as unknown as RouteContext;
  registerDebugRoutes(routeApp(app, ctx.logger), ctx);
  const token = await new Promise<unknown>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (t) => (t ? resolve(t) : reject(new Error('listen failed')))),
  );
  const port = uws.us_socket_local_port(token as never);
  return { port, close: () => uws.us_listen_socket_close(token as never) };
}

function get(
  port: number,
  path: string,
  opts: { abortAfterBytes?: number } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        n += c.length;
        if (opts.abortAfterBytes !== undefined && n >= opts.abortAfterBytes) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: true });
        }
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: false }),
      );
      res.on('error', () => {});
    });
    req.on('error', (err) => (opts.abortAfterBytes !== undefined ? undefined : reject(err)));
    req.end();
  });
}

describe('debug routes on a real uWS app', () => {
  test('/debug/sessions, /debug/resources and bad profile seconds answer JSON', async () => {
    const s = await serve();
    try {
      const sessions = await get(s.port, '/debug/sessions?tenant=demo');
      assert.equal(sessions.status, 200);
      const body = JSON.parse(sessions.body.toString()) as {
        count: number;
        sessions: { id: string; ageSeconds: number }[];
      };
      assert.equal(body.count, 1);
      assert.equal(body.sessions[0]!.id, 's1');
      assert.ok(body.sessions[0]!.ageSeconds >= 2);
      const resources = await get(s.port, '/debug/resources');
      assert.equal(resources.status, 200);
      const r = JSON.parse(resources.body.toString()) as {
        gauges: Record<string, number>;
        activeResources: { total: number };
      };
      assert.equal(r.gauges['sessionsActive'], 1);
      assert.ok(r.activeResources.total > 0);
      const bad = await get(s.port, '/debug/pprof/profile?seconds=600');
      assert.equal(bad.status, 400);
    } finally {
      s.close();
    }
  });

  test('/debug/heapsnapshot streams a complete snapshot; an aborted download frees the slot', async () => {
    const s = await serve();
    try {
      const heap = await get(s.port, '/debug/heapsnapshot');
      assert.equal(heap.status, 200);
      assert.match(String(heap.headers['content-disposition']), /\.heapsnapshot"/);
      const snap = JSON.parse(heap.body.toString()) as { snapshot: { node_count: number } };
      assert.ok(snap.snapshot.node_count > 1000);
      // A client that goes away after the first bytes: the server must destroy the stream and accept the next one.
      const partial = await get(s.port, '/debug/heapsnapshot', { abortAfterBytes: 1 });
      assert.ok(partial.aborted);
      const deadline = Date.now() + 5000;
      let next = await get(s.port, '/debug/heapsnapshot', { abortAfterBytes: 1 });
      while (next.status === 409 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100)); // no event exposes the slot; poll with a deadline
        next = await get(s.port, '/debug/heapsnapshot', { abortAfterBytes: 1 });
      }
      assert.equal(next.status, 200);
      // Let the last aborted download release the slot before the server closes.
      const end = Date.now() + 5000;
      let last = await get(s.port, '/debug/pprof/profile?seconds=0');
      assert.equal(last.status, 400);
      while (Date.now() < end) {
        last = await get(s.port, '/debug/heapsnapshot');
        if (last.status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(last.status, 200);
    } finally {
      s.close();
    }
  });

  test('/debug/cpuprofile?seconds=1 returns a DevTools profile', async () => {
    const s = await serve();
    try {
      const out = await get(s.port, '/debug/cpuprofile?seconds=1');
      assert.equal(out.status, 200);
      const profile = JSON.parse(out.body.toString()) as { nodes: unknown[] };
      assert.ok(profile.nodes.length > 1);
    } finally {
      s.close();
    }
  });

  test('/debug/gc collects the garbage the heap holds and reports memory before and after', async () => {
    const s = await serve();
    try {
      // ~40 MB of objects, kept alive long enough to reach the old generation, then dropped: only a
      // full collection takes them back before the process allocates much more.
      let junk: { i: number; s: string }[] | null = Array.from({ length: 400_000 }, (_, i) => ({ i, s: `junk-${i}` }));
      assert.equal(junk.length, 400_000);
      junk = null;
      const out = await get(s.port, '/debug/gc');
      assert.equal(out.status, 200);
      const r = JSON.parse(out.body.toString()) as {
        gcMs: number;
        before: { heapUsedBytes: number; rssBytes: number };
        after: { heapUsedBytes: number; rssBytes: number };
        spacesUsedBytes: Record<string, number>;
      };
      assert.ok(r.gcMs >= 0);
      assert.ok(r.after.rssBytes > 0);
      assert.ok(
        r.after.heapUsedBytes < r.before.heapUsedBytes - 10 * 1048576,
        `heap ${r.before.heapUsedBytes} -> ${r.after.heapUsedBytes}: the dropped objects were collected`,
      );
      assert.ok((r.spacesUsedBytes['old_space'] ?? 0) > 0, 'the heap spaces are listed');
    } finally {
      s.close();
    }
  });
});
