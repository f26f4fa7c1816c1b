import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { cpuProfile, parseProfileSeconds } from '../debug/cpu-profile.js';
import { heapSnapshot } from '../debug/heap-snapshot.js';
import { openFdCount, readResourceGauges, resourcesReport } from '../debug/resources-report.js';
import { sessionsReport } from '../debug/sessions-report.js';
import { createMetrics } from '../metrics/metrics.js';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks).toString('utf8');
}

function busy(ms: number): number {
  // Real work for the profiler to sample: a named function it can find in the call tree.
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) for (let i = 0; i < 1e4; i++) x += Math.sqrt(i * x + 1);
  return x;
}

describe('/debug/resources', () => {
  test('groups active resources by type and includes gauges and the fd count', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const timer = setInterval(() => {}, 60_000);
    try {
      const fdsBefore = openFdCount();
      const out = resourcesReport({ clientSockets: 3, upstreamSockets: 2, resizeHandlers: 1, sessionTimers: 7 });
      assert.equal(out.status, 200);
      assert.equal(out.headers['content-type'], 'application/json');
      const body = JSON.parse(out.body as string) as {
        pid: number;
        activeResources: { total: number; byType: Record<string, number> };
        gauges: Record<string, number>;
        openFds: number | null;
        memory: { heapUsed: number };
      };
      assert.equal(body.pid, process.pid);
      assert.deepEqual(body.gauges, { clientSockets: 3, upstreamSockets: 2, resizeHandlers: 1, sessionTimers: 7 });
      assert.ok((body.activeResources.byType['TCPServerWrap'] ?? 0) >= 1, JSON.stringify(body.activeResources));
      assert.ok((body.activeResources.byType['Timeout'] ?? 0) >= 1);
      assert.equal(
        body.activeResources.total,
        Object.values(body.activeResources.byType).reduce((a, b) => a + b, 0),
      );
      assert.equal(typeof body.openFds, 'number');
      assert.ok(body.openFds! >= 3 && Math.abs(body.openFds! - fdsBefore!) <= 2);
      assert.ok(body.memory.heapUsed > 0);
    } finally {
      clearInterval(timer);
      await new Promise((r) => server.close(r));
    }
  });

  test('a closed TCP server disappears from the report once closed', async () => {
    const count = (type: string) =>
      (JSON.parse(resourcesReport({}).body as string) as { activeResources: { byType: Record<string, number> } })
        .activeResources.byType[type] ?? 0;
    // libuv drops a closed handle from the active list a loop turn or two after 'close': no event
    // marks that moment, so poll with a deadline (here for the previous test's server to go).
    const settle = async (want: number) => {
      const deadline = Date.now() + 2000;
      while (count('TCPServerWrap') !== want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    };
    await settle(0);
    const baseline = count('TCPServerWrap');
    assert.equal(baseline, 0);
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    assert.equal(count('TCPServerWrap'), baseline + 1);
    await new Promise((r) => server.close(r));
    await settle(baseline);
    assert.equal(count('TCPServerWrap'), baseline);
  });

  test('readResourceGauges reads the Prometheus gauges', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.clientSockets.inc(2);
    m.sessionTimers.inc(5);
    m.sessionsActive.set(1);
    const g = await readResourceGauges(m);
    assert.deepEqual(g, {
      clientSockets: 2,
      upstreamSockets: 0,
      resizeHandlers: 0,
      sessionTimers: 5,
      sessionsConnecting: 0,
      shellCleanups: 0,
      fileTransfers: 0,
      sessionsInGrace: 0,
      replicaLinks: 0,
      observers: 0,
      storeSubscriptions: 0,
      sessionsActive: 1,
      leakSuspected: 0,
    });
  });
});

describe('/debug/heapsnapshot', () => {
  test('streams a heap snapshot whose JSON header parses; one at a time', async () => {
    const out = heapSnapshot();
    assert.equal(out.status, 200);
    assert.match(out.headers['content-disposition']!, /attachment; filename="pod-shell-\d+-.*\.heapsnapshot"/);
    assert.equal(typeof out.body, 'object');
    const second = heapSnapshot();
    assert.equal(second.status, 409);
    const text = await readAll(out.body as Readable);
    const snap = JSON.parse(text) as {
      snapshot: { meta: { node_fields: string[] }; node_count: number };
      nodes: number[];
      strings: string[];
    };
    assert.ok(snap.snapshot.meta.node_fields.includes('name'));
    assert.ok(snap.snapshot.node_count > 1000);
    assert.equal(snap.nodes.length, snap.snapshot.node_count * snap.snapshot.meta.node_fields.length);
    // The slot frees once the stream closed.
    await new Promise((r) => setImmediate(r));
    const third = heapSnapshot();
    assert.equal(third.status, 200);
    (third.body as Readable).destroy();
    await new Promise((r) => (third.body as Readable).once('close', r));
    const fourth = heapSnapshot();
    assert.equal(fourth.status, 200, 'a destroyed (aborted) download frees the slot too');
    (fourth.body as Readable).destroy();
    await new Promise((r) => (fourth.body as Readable).once('close', r));
  });
});

describe('/debug/cpuprofile', () => {
  test('seconds is bounded 1..60 with a clear 400', async () => {
    assert.equal(parseProfileSeconds(undefined), 10);
    assert.equal(parseProfileSeconds('1'), 1);
    assert.equal(parseProfileSeconds(60), 60);
    for (const bad of ['0', '61', '-1', '1.5', 'abc', '1e1', '9999']) {
      const out = await cpuProfile(bad);
      assert.equal(out.status, 400);
      assert.match(
        (JSON.parse(out.body as string) as { error: string }).error,
        /seconds must be an integer from 1 to 60/,
      );
    }
  });

  test('a 1-second CPU profile has nodes, samples and the busy function; a concurrent one gets 409', async () => {
    const started = Date.now();
    const pending = cpuProfile('1');
    const concurrent = await cpuProfile('1');
    assert.equal(concurrent.status, 409);
    // Burn CPU in slices: the profiler starts only after a few inspector round trips on this loop.
    const until = Date.now() + 800;
    while (Date.now() < until) {
      busy(20);
      await new Promise((r) => setImmediate(r));
    }
    const out = await pending;
    assert.ok(Date.now() - started >= 1000);
    assert.equal(out.status, 200);
    const profile = JSON.parse(out.body as string) as {
      nodes: { callFrame: { functionName: string } }[];
      startTime: number;
      endTime: number;
      samples: number[];
    };
    assert.ok(profile.nodes.length > 3);
    assert.ok(profile.samples.length > 10);
    assert.ok(profile.endTime - profile.startTime >= 900_000, 'about one second, in microseconds');
    assert.ok(
      profile.nodes.some((n) => n.callFrame.functionName === 'busy'),
      'the profile shows where the CPU went',
    );
  });

  test('an abort signal stops the profile early and frees the profiler', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const pending = cpuProfile('30', { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const out = await pending;
    assert.equal(out.status, 499);
    assert.ok(Date.now() - started < 5000);
    const next = await cpuProfile('1');
    assert.equal(next.status, 200);
  });
});

describe('/debug/sessions', () => {
  test('sorted oldest first, filtered by tenant, bounded, with ages; JWT-shaped values redacted', () => {
    const now = 1_000_000;
    const sessions = [
      {
        id: 'b',
        tenant: 'acme',
        startedAt: now - 5000,
        expiresAt: now + 60_000,
        lastActivityAt: now - 1000,
        resources: { timers: ['expiry'] },
      },
      { id: 'a', tenant: 'acme', startedAt: now - 9000, expiresAt: now + 1000, lastActivityAt: now },
      { id: 'c', tenant: 'beta', startedAt: now - 1000, note: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' },
    ];
    const all = JSON.parse(sessionsReport(sessions, { now }).body as string) as {
      count: number;
      shown: number;
      byTenant: Record<string, number>;
      sessions: {
        id: string;
        ageSeconds: number;
        idleSeconds: number | null;
        expiresInSeconds: number | null;
        note?: string;
      }[];
    };
    assert.equal(all.count, 3);
    assert.deepEqual(all.byTenant, { acme: 2, beta: 1 });
    assert.deepEqual(
      all.sessions.map((s) => s.id),
      ['a', 'b', 'c'],
    );
    assert.equal(all.sessions[0]!.ageSeconds, 9);
    assert.equal(all.sessions[1]!.idleSeconds, 1);
    assert.equal(all.sessions[0]!.expiresInSeconds, 1);
    assert.equal(all.sessions[2]!.note, '[redacted-token]');
    const acme = JSON.parse(sessionsReport(sessions, { now, tenant: 'acme', limit: 1 }).body as string) as {
      count: number;
      shown: number;
      sessions: { id: string }[];
    };
    assert.equal(acme.count, 2);
    assert.equal(acme.shown, 1);
    assert.deepEqual(
      acme.sessions.map((s) => s.id),
      ['a'],
    );
  });
});
