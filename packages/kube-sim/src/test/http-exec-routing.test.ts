import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { KubeSim } from '../http/api-server.js';
import { chooseContainer } from '../http/exec-options.js';
import { defaultFixture } from '../fixtures/defaults.js';
import { call, parseRaw, rawUpgrade, startWithRecorder, WS_HEADERS, type RecordingExec } from './http-support.js';

const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const status = (code: number, reason: string, message: string, details?: string): string =>
  `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":${JSON.stringify(message)},"reason":"${reason}",${details === undefined ? '' : `"details":${details},`}"code":${code}}`;

describe('exec/attach routing and handoff', () => {
  let sim: KubeSim;
  let exec: RecordingExec;
  before(async () => {
    ({ sim, exec } = await startWithRecorder({
      fixtures: {
        namespaces: ['default'],
        pods: [
          {
            namespace: 'default',
            name: 'one',
            uid: '',
            labels: {},
            annotations: {},
            nodeName: 'n1',
            phase: 'Running',
            creationTimestamp: '',
            initContainers: [],
            ephemeralContainers: [],
            containers: [{ name: 'c', image: 'i', mode: 'process', env: {}, missingBinaries: [], running: true }],
          },
          {
            namespace: 'default',
            name: 'many',
            uid: '',
            labels: {},
            annotations: {},
            nodeName: 'n1',
            phase: 'Running',
            creationTimestamp: '',
            initContainers: [
              { name: 'init', image: 'i', mode: 'process', env: {}, missingBinaries: [], running: false },
            ],
            ephemeralContainers: [
              { name: 'debugger', image: 'i', mode: 'process', env: {}, missingBinaries: [], running: true },
            ],
            containers: ['a', 'b', 'c'].map((name) => ({
              name,
              image: 'i',
              mode: 'process' as const,
              env: {},
              missingBinaries: [],
              running: true,
            })),
          },
          {
            namespace: 'default',
            name: 'pending',
            uid: '',
            labels: {},
            annotations: {},
            nodeName: '',
            phase: 'Pending',
            creationTimestamp: '',
            initContainers: [],
            ephemeralContainers: [],
            containers: [{ name: 'c', image: 'i', mode: 'process', env: {}, missingBinaries: [], running: false }],
          },
        ],
        tokens: [],
        rbac: [],
      },
    }));
  });
  after(() => sim.close());
  beforeEach(() => {
    exec.handed.length = 0;
  });

  const ws = (
    path: string,
    extra: string[] = [],
    token: string | null = sim.adminToken,
  ): Promise<ReturnType<typeof parseRaw>> =>
    rawUpgrade(sim, path, [
      ...WS_HEADERS,
      'Sec-WebSocket-Protocol: v5.channel.k8s.io',
      ...(token === null ? [] : [`Authorization: Bearer ${token}`]),
      ...extra,
    ]).then(parseRaw);

  it('parses PodExecOptions like the apiserver: repeated command, missing=false, only 0/false are false', async () => {
    const r = await ws(
      '/api/v1/namespaces/default/pods/one/exec?command=sh&command=-c&command=echo%20a%20b&stdin=TRUE&stdout=1&stderr=False&tty=yes',
    );
    assert.equal(r.status, 418);
    const h = exec.handed[0];
    assert.equal(h?.kind, 'upgrade');
    assert.deepEqual(h?.exec.command, ['sh', '-c', 'echo a b']);
    assert.deepEqual([h?.exec.stdin, h?.exec.stdout, h?.exec.stderr, h?.exec.tty], [true, true, false, true]);
    assert.equal(h?.exec.container.name, 'c');
    assert.equal(h?.exec.pod.name, 'one');
    assert.equal(h?.exec.subresource, 'exec');
    assert.equal(h?.exec.user.name, 'kube-sim:admin');
    assert.deepEqual(h?.exec.user.groups, ['system:masters', 'system:authenticated']);
    await ws('/api/v1/namespaces/default/pods/one/exec?command=true&stdin=0&stdout=FALSE&stderr');
    assert.deepEqual(
      [exec.handed[1]?.exec.stdin, exec.handed[1]?.exec.stdout, exec.handed[1]?.exec.stderr, exec.handed[1]?.exec.tty],
      [false, false, true, false],
    );
  });

  it('hands attach over without a command, and plain (non-upgrade) requests to handleRequest', async () => {
    await ws('/api/v1/namespaces/default/pods/one/attach?command=ignored&stdout=true');
    assert.equal(exec.handed[0]?.exec.subresource, 'attach');
    assert.deepEqual(exec.handed[0]?.exec.command, []);
    const r = await call(sim, '/api/v1/namespaces/default/pods/one/exec?command=ls', { method: 'POST' });
    assert.equal(r.status, 418);
    assert.equal(exec.handed[1]?.kind, 'request');
  });

  it('removes credentials before the handoff', async () => {
    await ws('/api/v1/namespaces/default/pods/one/exec?command=true&stdout=1');
    assert.equal(exec.handed[0]?.headers.authorization, undefined);
    assert.ok(!exec.handed[0]?.rawHeaders.some((h) => h.toLowerCase() === 'authorization'));
  });

  it('answers 404 for a missing pod, before any container check', async () => {
    const r = await ws('/api/v1/namespaces/default/pods/ghost/exec?command=true&container=zzz');
    assert.equal(r.status, 404);
    assert.equal(r.body, status(404, 'NotFound', 'pods "ghost" not found', '{"name":"ghost","kind":"pods"}'));
    assert.equal(exec.handed.length, 0);
  });

  it('requires a container name when the pod has several, listing init, regular and ephemeral ones', async () => {
    const r = await ws('/api/v1/namespaces/default/pods/many/exec?command=true');
    assert.equal(r.status, 400);
    assert.equal(
      r.body,
      status(
        400,
        'BadRequest',
        'a container name must be specified for pod many, choose one of: [init a b c debugger]',
      ),
    );
  });

  it('rejects an unknown container and accepts init and ephemeral ones by name', async () => {
    const r = await ws('/api/v1/namespaces/default/pods/many/exec?command=true&container=zzz');
    assert.equal(r.status, 400);
    assert.equal(r.body, status(400, 'BadRequest', 'container zzz is not valid for pod many'));
    await ws('/api/v1/namespaces/default/pods/many/exec?command=true&container=debugger');
    await ws('/api/v1/namespaces/default/pods/many/exec?command=true&container=init');
    assert.deepEqual(
      exec.handed.map((h) => h.exec.container.name),
      ['debugger', 'init'],
    );
  });

  it('defaults to the only regular container even when init containers exist', () => {
    const base = defaultFixture().pods[0];
    assert.ok(base !== undefined);
    const c = (name: string): (typeof base.containers)[number] => ({
      name,
      image: 'i',
      mode: 'process',
      env: {},
      missingBinaries: [],
      running: true,
    });
    assert.equal(chooseContainer({ ...base, containers: [c('main')], initContainers: [c('setup')] }, '').name, 'main');
    assert.throws(
      () => chooseContainer({ ...base, containers: [] }, ''),
      /^StatusError: a container name must be specified for pod demo$/,
    );
  });

  it('rejects an unscheduled pod with 400', async () => {
    const r = await ws('/api/v1/namespaces/default/pods/pending/exec?command=true');
    assert.equal(r.status, 400);
    assert.equal(r.body, status(400, 'BadRequest', 'pod pending does not have a host assigned'));
  });

  it('answers 405 for methods other than GET and POST', async () => {
    const r = await call(sim, '/api/v1/namespaces/default/pods/one/exec?command=true', { method: 'PUT' });
    assert.equal(r.status, 405);
  });

  describe('bearer token subprotocol', () => {
    it('authenticates and strips the token entry before the handoff', async () => {
      const tokenProto = `base64url.bearer.authorization.k8s.io.${b64url(sim.adminToken)}`;
      const r = await ws(
        '/api/v1/namespaces/default/pods/one/exec?command=true&stdout=1',
        [`Sec-WebSocket-Protocol: ${tokenProto}, v4.channel.k8s.io`],
        null,
      );
      assert.equal(r.status, 418);
      assert.equal(exec.handed[0]?.headers['sec-websocket-protocol'], 'v5.channel.k8s.io, v4.channel.k8s.io');
      assert.ok(!exec.handed[0]?.rawHeaders.some((h) => h.includes('base64url.bearer')));
    });

    it('rejects a token subprotocol offered alone, twice, or with bad base64, with 401', async () => {
      const good = `base64url.bearer.authorization.k8s.io.${b64url(sim.adminToken)}`;
      const cases = [
        [...WS_HEADERS, `Sec-WebSocket-Protocol: ${good}`],
        [...WS_HEADERS, `Sec-WebSocket-Protocol: v5.channel.k8s.io, ${good}, ${good}`],
        [...WS_HEADERS, 'Sec-WebSocket-Protocol: v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.***'],
        [
          ...WS_HEADERS,
          `Sec-WebSocket-Protocol: v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.${Buffer.from([0xff, 0xfe]).toString('base64url')}`,
        ],
        [
          ...WS_HEADERS,
          `Sec-WebSocket-Protocol: v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.${b64url('wrong-token')}`,
        ],
      ];
      for (const headers of cases) {
        const r = parseRaw(await rawUpgrade(sim, '/api/v1/namespaces/default/pods/one/exec?command=true', headers));
        assert.equal(r.status, 401, headers.join('|'));
        assert.equal(r.body, status(401, 'Unauthorized', 'Unauthorized'));
      }
      assert.equal(exec.handed.length, 0);
    });

    it('ignores the token subprotocol on a non-WebSocket request', async () => {
      const r = await call(sim, '/api/v1/namespaces/default/pods/one', {
        token: null,
        headers: {
          'Sec-WebSocket-Protocol': `v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.${b64url(sim.adminToken)}`,
        },
      });
      assert.equal(r.status, 401);
    });
  });

  it("counts requests it rejects itself as http; handed-off ones are the exec side's to count", async () => {
    const key = 'GET /api/v1/namespaces/{ns}/pods/{name}/exec http';
    const before = sim.stats().requests[key] ?? 0;
    await ws('/api/v1/namespaces/default/pods/ghost/exec?command=true');
    await ws('/api/v1/namespaces/default/pods/one/exec?command=true');
    assert.equal(sim.stats().requests[key], before + 1);
  });
});
