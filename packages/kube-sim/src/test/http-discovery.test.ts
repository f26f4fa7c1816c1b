import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeSim } from '../http/api-server.js';
import { call, startWithRecorder } from './http-support.js';

const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
const UNAUTHORIZED =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';

describe('discovery and authentication', () => {
  let sim: KubeSim;
  before(async () => {
    ({ sim } = await startWithRecorder());
  });
  after(() => sim.close());

  it('serves /version without credentials', async () => {
    const r = await call(sim, '/version', { token: null });
    assert.equal(r.status, 200);
    assert.equal(r.json()['gitVersion'], 'v1.35.0-kube-sim');
    assert.equal(r.json()['major'], '1');
    const bad = await call(sim, '/version', { token: 'wrong' });
    assert.equal(bad.status, 401, 'a bad token is rejected even where anonymous access is allowed');
  });

  it('answers legacy discovery even when aggregated discovery is asked, so client-go falls back', async () => {
    const r = await call(sim, '/api', { headers: { Accept: AGGREGATED_ACCEPT } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const body = r.json();
    assert.equal(body['kind'], 'APIVersions');
    assert.deepEqual(body['versions'], ['v1']);
    const apis = await call(sim, '/apis', { headers: { Accept: AGGREGATED_ACCEPT } });
    assert.equal(apis.headers['content-type'], 'application/json');
    assert.deepEqual(apis.json(), {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        {
          name: 'authorization.k8s.io',
          versions: [{ groupVersion: 'authorization.k8s.io/v1', version: 'v1' }],
          preferredVersion: { groupVersion: 'authorization.k8s.io/v1', version: 'v1' },
        },
      ],
    });
    const authz = (await call(sim, '/apis/authorization.k8s.io/v1')).json() as {
      groupVersion: string;
      resources: { name: string; verbs: string[] }[];
    };
    assert.equal(authz.groupVersion, 'authorization.k8s.io/v1');
    assert.deepEqual(
      authz.resources.map((r) => [r.name, r.verbs]),
      [['selfsubjectaccessreviews', ['create']]],
    );
  });

  it('lists pods, pods/exec, pods/attach, pods/ephemeralcontainers, pods/log and namespaces in /api/v1', async () => {
    const r = await call(sim, '/api/v1');
    assert.equal(r.status, 200);
    const list = r.json() as {
      kind: string;
      groupVersion: string;
      resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
    };
    assert.equal(list.kind, 'APIResourceList');
    assert.equal(list.groupVersion, 'v1');
    const byName = new Map(list.resources.map((x) => [x.name, x]));
    assert.equal(byName.get('pods')?.kind, 'Pod');
    assert.equal(byName.get('pods')?.namespaced, true);
    assert.deepEqual(byName.get('pods/exec')?.verbs, ['create', 'get']);
    assert.equal(byName.get('pods/exec')?.kind, 'PodExecOptions');
    assert.equal(byName.get('pods/attach')?.kind, 'PodAttachOptions');
    assert.deepEqual(byName.get('pods')?.verbs, ['get', 'list', 'watch']);
    assert.deepEqual(byName.get('pods/ephemeralcontainers')?.verbs, ['get', 'patch', 'update']);
    assert.deepEqual(byName.get('pods/log')?.verbs, ['get']);
    assert.equal(byName.get('namespaces')?.namespaced, false);
  });

  it('lets every authenticated user run discovery (system:discovery)', async () => {
    const r = await call(sim, '/api/v1', { token: 'kube-sim-token-viewer' });
    assert.equal(r.status, 200);
  });

  it('answers 404 Status for /openapi and unknown paths', async () => {
    for (const path of [
      '/openapi/v2',
      '/openapi/v3',
      '/apis/apps/v1',
      '/nope',
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    ]) {
      const r = await call(sim, path);
      assert.equal(r.status, 404, path);
      assert.equal(
        r.body,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}',
      );
    }
  });

  it('rejects a missing, unknown or malformed bearer token with 401 Unauthorized', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { Authorization: 'Bearer nope' },
      { Authorization: 'Basic YTpi' },
      { Authorization: 'Bearer' },
    ]) {
      const r = await call(sim, '/api/v1/namespaces/default/pods/demo', { token: null, headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.body, UNAUTHORIZED);
      assert.equal(r.headers['content-type'], 'application/json');
    }
  });

  it('accepts the bearer scheme in any case', async () => {
    const r = await call(sim, '/api/v1/namespaces/default/pods/demo', {
      token: null,
      headers: { Authorization: `bearer ${sim.adminToken}` },
    });
    assert.equal(r.status, 200);
  });

  it('counts requests by method, path template and protocol', async () => {
    const before = sim.stats().requests['GET /api/v1/namespaces/{ns}/pods/{name} http'] ?? 0;
    await call(sim, '/api/v1/namespaces/default/pods/demo');
    await call(sim, '/api/v1/namespaces/team-a/pods/web-0');
    assert.equal(sim.stats().requests['GET /api/v1/namespaces/{ns}/pods/{name} http'], before + 2);
    const lists = sim.stats().requests['GET /api/v1/pods http'] ?? 0;
    await call(sim, '/api/v1/pods?labelSelector=app%3Ddemo');
    assert.equal(sim.stats().requests['GET /api/v1/pods http'], lists + 1);
    assert.equal(
      sim.stats().requests['GET /api/v1/namespaces/{ns}/pods/{name} http'],
      before + 2,
      'a list is counted under its own path',
    );
  });
});
