import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rawHttps, wsHeaders } from './exec-raw-http.js';
import { execPath, startExecHarness, type ExecHarness } from './exec-harness.js';
import { parseStatus } from './http-support.js';

const SPDY_MESSAGE =
  'kube-sim does not support SPDY streaming; use a client that speaks WebSocket exec (v5.channel.k8s.io), such as kubectl 1.30+';

/** Conformance checklist items 1-3 and the upgrade faults: what the server answers before (or instead of) a 101. */
describe('exec handshake', () => {
  let h: ExecHarness;
  const path = execPath('default', 'demo', { command: ['true'], stdout: true });
  const req = (method: string, headers: Record<string, string>, p = path) =>
    rawHttps(h.sim.url, h.sim.caCert, { method, path: p, headers });
  before(async () => {
    h = await startExecHarness();
  });
  after(() => h.close());

  test('#2: POST with WebSocket headers gets 405', async () => {
    const r = await req('POST', wsHeaders(h.sim.adminToken, 'v5.channel.k8s.io'));
    assert.equal(r.status, 405);
  });

  test('#2: a GET that is not an upgrade gets 400 "Upgrade request required" as a Status', async () => {
    const r = await req('GET', { Authorization: `Bearer ${h.sim.adminToken}`, Connection: 'close' });
    assert.equal(r.status, 400);
    const body = parseStatus(r.rest);
    assert.deepEqual(
      [body.kind, body.apiVersion, body.status, body.reason, body.message, body.code],
      ['Status', 'v1', 'Failure', 'BadRequest', 'Upgrade request required', 400],
    );
  });

  test('a WebSocket GET with a bad key or version gets 400', async () => {
    const noKey = wsHeaders(h.sim.adminToken, 'v5.channel.k8s.io');
    delete noKey['Sec-WebSocket-Key'];
    assert.equal((await req('GET', noKey)).status, 400);
    assert.equal(
      (await req('GET', wsHeaders(h.sim.adminToken, 'v5.channel.k8s.io', { 'Sec-WebSocket-Key': 'short' }))).status,
      400,
    );
    assert.equal(
      (await req('GET', wsHeaders(h.sim.adminToken, 'v5.channel.k8s.io', { 'Sec-WebSocket-Version': '8' }))).status,
      400,
    );
  });

  test('#3: offering only v3.channel.k8s.io gets 403 with an empty body', async () => {
    const r = await req('GET', wsHeaders(h.sim.adminToken, 'v3.channel.k8s.io'));
    assert.equal(r.status, 403);
    assert.equal(r.rest, '');
  });

  test('#1: any offer of v5 is answered with v5, whatever its position', async () => {
    const c = h.open('demo', { command: ['true'], stdout: true }, [
      'v4.channel.k8s.io',
      'channel.k8s.io',
      'v5.channel.k8s.io',
    ]);
    await c.opened;
    assert.equal(c.ws.protocol, 'v5.channel.k8s.io');
    await c.result();
  });

  test('v4 negotiation: first match in client order; Status JSON with containerd wording; channel 255 is just an unknown channel', async () => {
    const key = 'GET /api/v1/namespaces/{ns}/pods/{name}/exec v4.channel.k8s.io';
    const counted = h.counts()[key] ?? 0;
    const c = h.open('demo', { command: ['sh', '-c', 'read x; echo "got $x"; exit 3'], stdin: true, stdout: true }, [
      'v2.channel.k8s.io',
      'v4.channel.k8s.io',
      'channel.k8s.io',
    ]);
    await c.opened;
    assert.equal(c.ws.protocol, 'v4.channel.k8s.io');
    c.sendRaw([0xff]);
    c.send(0, 'it\n');
    const r = await c.result();
    assert.deepEqual(
      [c.frames[0]!.channel, c.frames[0]!.payload.length],
      [1, 0],
      'v4 also starts with the empty stdout frame',
    );
    assert.equal(r.code, 1000, 'close 1000 after the status');
    assert.equal(c.frames.at(-1)!.channel, 3, 'the status is the last frame');
    assert.equal(r.stdout, 'got it\n');
    assert.equal(r.statuses.length, 1);
    const s = parseStatus(r.statuses[0]!);
    assert.equal(
      s.message,
      'command terminated with non-zero exit code: error executing command [sh -c read x; echo "got $x"; exit 3], exit code 3',
    );
    assert.deepEqual(s.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
    assert.equal(h.counts()[key], counted + 1);
  });

  test('channel.k8s.io: nothing on channel 3 for success, plain text for a failure', async () => {
    const ok = h.open('demo', { command: ['true'], stdout: true }, ['channel.k8s.io']);
    await ok.opened;
    assert.equal(ok.ws.protocol, 'channel.k8s.io');
    const r = await ok.result();
    assert.deepEqual(r.statuses, []);
    assert.equal(r.code, 1000);
    const bad = h.open('demo', { command: ['sh', '-c', 'exit 4'], stdout: true }, ['channel.k8s.io']);
    assert.deepEqual((await bad.result()).statuses, [
      'command terminated with non-zero exit code: error executing command [sh -c exit 4], exit code 4',
    ]);
  });

  test("#3: kubectl's SPDY fallback POST gets a BadRequest Status saying SPDY is not supported", async () => {
    const key = 'POST /api/v1/namespaces/{ns}/pods/{name}/exec spdy';
    const counted = h.counts()[key] ?? 0;
    const r = await req('POST', {
      Authorization: `Bearer ${h.sim.adminToken}`,
      Connection: 'Upgrade',
      Upgrade: 'SPDY/3.1',
      'X-Stream-Protocol-Version': 'v4.channel.k8s.io',
    });
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'application/json');
    const body = parseStatus(r.rest);
    assert.deepEqual(
      [body.kind, body.apiVersion, body.reason, body.message, body.code],
      ['Status', 'v1', 'BadRequest', SPDY_MESSAGE, 400],
    );
    assert.equal(h.counts()[key], counted + 1);
  });

  test('fault refuseUpgrade: the given status and Status body, then the trailing bytes, only for the faulted pod', async () => {
    h.setFaults({
      pod: 'demo',
      refuseUpgrade: { status: 503, message: 'try later', trailingBytes: '\x01NOT-STREAM-DATA' },
    });
    try {
      const r = await req('GET', wsHeaders(h.sim.adminToken, 'v5.channel.k8s.io'));
      assert.equal(r.status, 503);
      const len = Number(r.headers['content-length']);
      const body = parseStatus(r.rest.slice(0, len));
      assert.deepEqual([body.reason, body.message, body.code], ['ServiceUnavailable', 'try later', 503]);
      assert.equal(r.rest.slice(len), '\x01NOT-STREAM-DATA');
      const other = h.open('light', { command: ['x'], stdin: true, stdout: true });
      await other.opened;
      other.ws.close();
    } finally {
      h.setFaults({});
    }
  });

  test('fault upgradeDelayMs holds the 101', async () => {
    h.setFaults({ upgradeDelayMs: 300 });
    try {
      const t0 = Date.now();
      const c = h.open('demo', { command: ['true'], stdout: true });
      await c.opened;
      assert.ok(Date.now() - t0 >= 290, `opened after ${Date.now() - t0} ms`);
      await c.result();
    } finally {
      h.setFaults({});
    }
  });

  test('#15: a stopped container or completed pod over v5: 101, then InternalError "container not found"', async () => {
    for (const [podName, cname] of [
      ['stopped', 'main'],
      ['done', 'job'],
    ] as const) {
      const c = h.open(podName, { command: ['sh'], stdin: true, stdout: true, tty: true });
      await c.opened;
      const r = await c.result();
      const s = parseStatus(r.statuses[0]!);
      assert.equal(s.reason, 'InternalError');
      assert.equal(s.code, 500);
      assert.equal(
        s.message,
        `Internal error occurred: unable to upgrade connection: container not found ("${cname}")`,
      );
      assert.equal(r.code, 1000);
    }
  });

  test('a stopped container over v4: the kubelet answers 500 before the upgrade', async () => {
    const r = await req(
      'GET',
      wsHeaders(h.sim.adminToken, 'v4.channel.k8s.io'),
      execPath('default', 'stopped', { command: ['sh'], stdout: true }),
    );
    assert.equal(r.status, 500);
    assert.equal(r.rest, 'container not found ("main")');
  });

  test('a missing binary fails with containerd wording (distroless image without sh)', async () => {
    const c = h.open('distroless-0', { command: ['sh', '-c', 'echo hi'], stdin: true, stdout: true, tty: true });
    const r = await c.result();
    const s = parseStatus(r.statuses[0]!);
    assert.equal(s.reason, 'InternalError');
    assert.match(
      s.details?.causes?.[0]?.message ?? '',
      /^error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in \$PATH: unknown$/,
    );
    assert.equal(s.message, `Internal error occurred: ${s.details?.causes?.[0]?.message ?? ''}`);
    const nope = h.open('demo', { command: ['no-such-binary-xyz'], stdout: true });
    assert.match(
      parseStatus((await nope.result()).statuses[0]!).message ?? '',
      /exec: "no-such-binary-xyz": executable file not found in \$PATH: unknown$/,
    );
  });
});
