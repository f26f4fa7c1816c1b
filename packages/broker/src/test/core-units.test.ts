import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Channel, encodeFrame } from '@pod-shell/protocol';
import { execUrl, impersonationHeaders } from '../kube/exec-request.js';
import { refusedUpgradeError } from '../kube/upstream-errors.js';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { isNativeUws, loadUws } from '../server/uws.js';
import { normalizeIp, readUpgradeRequest } from '../server/upgrade-request.js';
import { classifyClientFrame } from '../session/client-frames.js';
import { sanitizeMessage } from '../session/closing.js';
import { FlowControl } from '../session/flow-control.js';
import { LeakCanary } from '../session/leak-canary.js';
import { ResizeLimiter } from '../session/resize-limiter.js';
import { ResourceGauges } from '../session/resource-gauges.js';
import { SessionTimers } from '../session/session-timers.js';
import { classifyUpstreamFrame } from '../session/upstream-frames.js';
import { MemoryStore } from '../store/memory-store.js';
import type { SessionRecord } from '../store/session-store.js';

const quiet = createLogger({ level: 'error', sink: () => {} });

describe('uWS native addon check', () => {
  test('the installed module is the native addon', () => {
    assert.ok(isNativeUws(loadUws()));
  });
  test('a JS App (the pure-JS fallback shape) is refused', () => {
    assert.equal(isNativeUws({ App: function App() {}, us_listen_socket_close() {} }), false);
    assert.equal(isNativeUws({}), false);
    assert.equal(isNativeUws(null), false);
  });
});

describe('upgrade request parsing', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name] ?? '';
  test('token from the bearer subprotocol, never echoed; Authorization as fallback', () => {
    const r = readUpgradeRequest(
      headers({ 'sec-websocket-protocol': 'pod-shell.v1, pod-shell.bearer.abc.def.ghi', origin: 'https://a.example' }),
      '10.0.0.1',
      false,
    );
    assert.equal(r.credentials.token, 'abc.def.ghi');
    assert.equal(r.credentials.origin, 'https://a.example');
    assert.ok(r.offersProtocol);
    const h = readUpgradeRequest(
      headers({ 'sec-websocket-protocol': 'pod-shell.v1', authorization: 'Bearer x.y.z' }),
      '10.0.0.1',
      false,
    );
    assert.equal(h.credentials.token, 'x.y.z');
    assert.equal(h.credentials.origin, null);
  });
  test('X-Forwarded-For only with TRUST_PROXY', () => {
    const h = headers({ 'x-forwarded-for': '203.0.113.9, 10.0.0.2' });
    assert.equal(readUpgradeRequest(h, '10.0.0.1', false).credentials.clientIp, '10.0.0.1');
    assert.equal(readUpgradeRequest(h, '10.0.0.1', true).credentials.clientIp, '203.0.113.9');
    assert.equal(normalizeIp('0000:0000:0000:0000:0000:ffff:7f00:0001'), '0000:0000:0000:0000:0000:ffff:7f00:0001');
    assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
  });
});

describe('client frame rules (threat 14)', () => {
  const c = (bytes: Uint8Array, binary = true) => classifyClientFrame(bytes, binary, 1025);
  test('accepted channels', () => {
    assert.deepEqual(c(encodeFrame(Channel.Stdin, 'ls')), { kind: 'stdin', payloadBytes: 2 });
    assert.deepEqual(c(encodeFrame(Channel.Resize, '{"Width":80,"Height":24}')), {
      kind: 'resize',
      size: { Width: 80, Height: 24 },
    });
    assert.deepEqual(c(Uint8Array.of(255, 0)), { kind: 'close-stdin' });
    assert.deepEqual(c(encodeFrame(Channel.Control, '{"type":"flow","paused":true}')), {
      kind: 'control',
      message: { type: 'flow', paused: true },
    });
    assert.deepEqual(c(new Uint8Array(0)), { kind: 'ignore' });
    assert.deepEqual(c(Uint8Array.of(0)), { kind: 'ignore' });
  });
  test('rejected frames', () => {
    for (const bad of [
      Uint8Array.of(1, 65),
      Uint8Array.of(3),
      Uint8Array.of(7),
      encodeFrame(Channel.Resize, '{"Width":1001,"Height":24}'),
      encodeFrame(Channel.Resize, '{"width":80,"height":24}'),
      encodeFrame(Channel.Resize, '{"Width":80,"Height":24,"x":1}'),
      Uint8Array.of(Channel.Resize, 0xff, 0xfe),
      Uint8Array.of(255),
      Uint8Array.of(255, 0, 0),
      encodeFrame(Channel.Control, '[]'),
    ]) {
      assert.equal(c(bad).kind, 'reject', Buffer.from(bad).toString('hex'));
    }
    assert.equal(c(encodeFrame(Channel.Stdin, 'x'), false).kind, 'reject');
    const big = c(new Uint8Array(2000));
    assert.equal(big.kind === 'reject' && big.tooBig, true);
  });
});

describe('upstream frame rules (threat 10)', () => {
  test('stdout forwarded, the connected frame dropped, status interpreted, anything else rejected', () => {
    assert.deepEqual(classifyUpstreamFrame(Buffer.from([1]), true), { kind: 'drop' });
    assert.deepEqual(classifyUpstreamFrame(Buffer.from([1, 65]), true), { kind: 'data', payloadBytes: 1 });
    assert.deepEqual(
      classifyUpstreamFrame(Buffer.from([3, ...Buffer.from('{"metadata":{},"status":"Success"}')]), true),
      { kind: 'status', outcome: { kind: 'success' } },
    );
    assert.equal(classifyUpstreamFrame(Buffer.from([255, 0]), true).kind, 'reject');
    assert.equal(classifyUpstreamFrame(Buffer.from('1abc'), false).kind, 'reject');
  });
});

describe('kube request building', () => {
  test('exec URL: one command parameter per argv element, container, flags', () => {
    const u = new URL(
      execUrl('https://k8s.example:6443/', {
        namespace: 'team-a',
        pod: 'web-0',
        container: 'web',
        command: ['sh', '-c', 'echo a&b'],
        tty: true,
      }),
    );
    assert.equal(u.protocol, 'wss:');
    assert.equal(u.pathname, '/api/v1/namespaces/team-a/pods/web-0/exec');
    assert.deepEqual(u.searchParams.getAll('command'), ['sh', '-c', 'echo a&b']);
    assert.equal(u.searchParams.get('container'), 'web');
    assert.equal(u.searchParams.get('tty'), 'true');
    assert.equal(u.searchParams.get('stderr'), null);
  });
  test('impersonation headers', () => {
    assert.deepEqual(impersonationHeaders({ groups: ['g'], extra: {} }), {}, 'no user = no impersonation');
    assert.deepEqual(impersonationHeaders({ user: 'acme:alice', groups: ['g1', 'g2'], extra: { 'Scopes/X': ['a'] } }), {
      'Impersonate-User': 'acme:alice',
      'Impersonate-Group': ['g1', 'g2'],
      'Impersonate-Extra-scopes%2Fx': ['a'],
    });
  });
  test('refused upgrade mapping', () => {
    const body = (m: string) => JSON.stringify({ kind: 'Status', message: m });
    assert.equal(refusedUpgradeError(404, body('pods "x" not found')).closeCode, 4404);
    assert.equal(refusedUpgradeError(403, body('forbidden')).closeCode, 4403);
    assert.equal(refusedUpgradeError(400, body('container c is not valid for pod p')).closeCode, 4404);
    assert.equal(refusedUpgradeError(400, body('Upgrade request required')).closeCode, 4400);
    assert.equal(refusedUpgradeError(502, 'bad gateway').closeCode, 4500);
    assert.equal(
      refusedUpgradeError(404, body('\u001b]52;c;evil\u0007pods "x" not found')).message.includes('\u001b'),
      false,
    );
  });
  test('messages lose C0/C1 controls', () => {
    assert.equal(sanitizeMessage('a\u001b[31mb\u009bc\n'), 'a [31mb c');
  });
});

describe('session building blocks', () => {
  test('timers count in the gauge, once each, and refuse new ones after clearAll', async () => {
    const g = new ResourceGauges(createMetrics({ defaultMetrics: false }));
    const t = new SessionTimers(g, () => {});
    let fired = 0;
    await new Promise<void>((resolve) => {
      t.after('idle', 5, () => {
        fired++;
        resolve();
      });
      t.every('keepalive', 1000, () => {});
      t.after('expiry', 1000, () => {});
      t.after('expiry', 2000, () => {}); // replaces, does not add
      assert.equal(g.value('sessionTimers'), 3);
    });
    assert.equal(fired, 1);
    assert.equal(g.value('sessionTimers'), 2);
    t.clearAll();
    t.after('idle', 1, () => {});
    assert.equal(g.value('sessionTimers'), 0);
  });

  test('resize limiter: bursts beyond the rate are dropped but the last size is delivered', async () => {
    const g = new ResourceGauges(createMetrics({ defaultMetrics: false }));
    const t = new SessionTimers(g, () => {});
    const sent: string[] = [];
    const lim = new ResizeLimiter(5, t, (s) => sent.push(`${s.Width}x${s.Height}`));
    for (let i = 1; i <= 100; i++) lim.offer({ Width: i, Height: 1 });
    assert.equal(sent.length, 5);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(sent.at(-1), '100x1');
    assert.equal(lim.dropped, 94);
    assert.equal(g.value('sessionTimers'), 0);
  });

  test('flow control: paused while any reason holds', () => {
    const calls: string[] = [];
    const f = new FlowControl(
      () => calls.push('pause'),
      () => calls.push('resume'),
    );
    f.set('backpressure');
    f.set('flow');
    f.clear('backpressure');
    assert.ok(f.paused);
    f.clear('flow');
    assert.deepEqual(calls, ['pause', 'resume']);
  });

  test('leak canary: a gauge above its bound for longer than the window sets leak_suspected', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const g = new ResourceGauges(metrics);
    let live = 1;
    const canary = new LeakCanary(g, () => live, metrics, quiet, 1000);
    g.inc('resizeHandlers');
    g.inc('resizeHandlers'); // 2 handlers for 1 session: the classic leak's shape
    assert.deepEqual(canary.check(0), []);
    assert.deepEqual(canary.check(999), []);
    assert.deepEqual(canary.check(1000), ['resizeHandlers']);
    assert.equal((await metrics.leakSuspected.get()).values[0]?.value, 1);
    live = 2;
    assert.deepEqual(canary.check(1001), []);
    assert.equal((await metrics.leakSuspected.get()).values[0]?.value, 0);
  });

  test('leak canary: an excess that keeps shrinking is draining (a mass close), not a leak', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const g = new ResourceGauges(metrics);
    const canary = new LeakCanary(g, () => 0, metrics, quiet, 1000);
    // 100 sessions just ended at once; their upstream sockets close one by one, slower than the window.
    for (let i = 0; i < 100; i++) g.inc('upstreamSockets');
    assert.deepEqual(canary.check(0), []);
    for (let t = 500; t <= 3000; t += 500) {
      for (let i = 0; i < 10; i++) g.dec('upstreamSockets');
      assert.deepEqual(canary.check(t), [], `still draining at ${t} ms`);
    }
    // Once it stops shrinking, the full window runs from the last drop and then it is reported.
    assert.deepEqual(canary.check(3999), []);
    assert.deepEqual(canary.check(4000), ['upstreamSockets']);
  });
});

describe('memory store', () => {
  const rec = (id: string, o: Partial<SessionRecord> = {}): SessionRecord => ({
    id,
    tenant: 't',
    subject: 's',
    namespace: 'default',
    pod: 'p',
    container: '',
    replica: 'r',
    clientIp: '10.0.0.1',
    startedAt: 0,
    expiresAt: 10_000_000,
    ...o,
  });
  test('quota per tenant, release frees it, expired entries do not count', async () => {
    let now = 1000;
    const s = new MemoryStore(() => now);
    const req = (id: string, o: Partial<SessionRecord> = {}) => ({
      record: rec(id, o),
      maxConcurrent: 2,
      tenantConnectsPerMinute: 0,
      ipConnectsPerMinute: 0,
    });
    assert.deepEqual(await s.acquire(req('a')), { ok: true });
    assert.deepEqual(await s.acquire(req('b', { expiresAt: 2000 })), { ok: true });
    assert.equal((await s.acquire(req('c'))).ok, false);
    now = 3000; // b expired
    assert.deepEqual(await s.acquire(req('c')), { ok: true });
    await s.release('t', 'a');
    await s.release('t', 'a');
    assert.equal(await s.count('t'), 1);
    await s.updateExpiry('t', 'c', 42);
    assert.equal((await s.get('c'))?.expiresAt, 42);
    assert.deepEqual(
      (await s.list({ tenant: 't' })).map((r) => r.id),
      ['c'],
    );
  });
  test('tenant and IP connect rates over a sliding minute; keys are dropped when idle', async () => {
    let now = 0;
    const s = new MemoryStore(() => now);
    const req = (id: string, ip = '10.0.0.1') => ({
      record: rec(id, { clientIp: ip }),
      maxConcurrent: 100,
      tenantConnectsPerMinute: 3,
      ipConnectsPerMinute: 2,
    });
    assert.ok((await s.acquire(req('1'))).ok);
    assert.ok((await s.acquire(req('2'))).ok);
    const ipLimited = await s.acquire(req('3'));
    assert.equal(ipLimited.ok === false && ipLimited.reason, 'rate_limited');
    assert.ok((await s.acquire(req('4', '10.0.0.2'))).ok);
    const tenantLimited = await s.acquire(req('5', '10.0.0.3'));
    assert.equal(tenantLimited.ok === false && tenantLimited.reason, 'rate_limited');
    now = 61_000;
    assert.ok((await s.acquire(req('6'))).ok);
    for (const id of ['1', '2', '4', '6']) await s.release('t', id);
    now = 200_000;
    await s.release('t', 'none');
    assert.equal(s.rateKeys(), 0);
  });
  test('publish reaches subscribers; unsubscribe stops it', async () => {
    const s = new MemoryStore();
    const got: string[] = [];
    const off = s.subscribe((c) => got.push(c.kind));
    await s.publish({ kind: 'kill', sessionId: 'x' });
    await new Promise((r) => setImmediate(r));
    off();
    await s.publish({ kind: 'kill', sessionId: 'y' });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, ['kill']);
    assert.equal(s.kind, 'memory');
  });
});
