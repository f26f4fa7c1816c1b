import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeSim } from '../http/api-server.js';
import { call, startWithRecorder } from './http-support.js';

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

interface PodList {
  kind: string;
  metadata: { resourceVersion: string };
  items: { metadata: { name: string; namespace: string } }[];
}

const names = (l: PodList): string[] => l.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

describe('pods and namespaces', () => {
  let sim: KubeSim;
  before(async () => {
    ({ sim } = await startWithRecorder());
  });
  after(() => sim.close());

  it('returns a real Pod object', async () => {
    const r = await call(sim, '/api/v1/namespaces/default/pods/multi');
    assert.equal(r.status, 200);
    const pod = r.json() as {
      kind: string;
      apiVersion: string;
      metadata: Record<string, unknown>;
      spec: { containers: { name: string }[]; nodeName: string };
      status: {
        phase: string;
        containerStatuses: { name: string; ready: boolean; state: { running?: unknown } }[];
        podIP: string;
      };
    };
    assert.equal(pod.kind, 'Pod');
    assert.equal(pod.apiVersion, 'v1');
    assert.equal(pod.metadata['name'], 'multi');
    assert.equal(pod.metadata['namespace'], 'default');
    assert.match(String(pod.metadata['uid']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(String(pod.metadata['creationTimestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(String(pod.metadata['resourceVersion']), /^\d+$/);
    assert.deepEqual(pod.metadata['annotations'], { 'kubectl.kubernetes.io/default-container': 'app' });
    assert.deepEqual(
      pod.spec.containers.map((c) => c.name),
      ['app', 'sidecar'],
    );
    assert.equal(pod.spec.nodeName, 'sim-node-1');
    assert.equal(pod.status.phase, 'Running');
    assert.deepEqual(
      pod.status.containerStatuses.map((c) => [c.name, c.ready, c.state.running !== undefined]),
      [
        ['app', true, true],
        ['sidecar', true, true],
      ],
    );
    assert.match(pod.status.podIP, /^10\.244\.\d+\.\d+$/);
  });

  it('answers 404 with the apiserver Status for a missing pod', async () => {
    const r = await call(sim, '/api/v1/namespaces/default/pods/nope');
    assert.equal(r.status, 404);
    assert.equal(
      r.body,
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}',
    );
  });

  it('lists pods per namespace and across namespaces', async () => {
    const ns = (await call(sim, '/api/v1/namespaces/team-a/pods')).json() as unknown as PodList;
    assert.equal(ns.kind, 'PodList');
    assert.deepEqual(names(ns), ['team-a/distroless-0', 'team-a/web-0']);
    const all = (await call(sim, '/api/v1/pods')).json() as unknown as PodList;
    assert.deepEqual(names(all), [
      'default/demo',
      'default/echo-0',
      'default/multi',
      'team-a/distroless-0',
      'team-a/web-0',
    ]);
    assert.match(all.metadata.resourceVersion, /^\d+$/);
    const none = (await call(sim, '/api/v1/namespaces/nowhere/pods')).json() as unknown as PodList;
    assert.deepEqual(none.items, []);
  });

  it('filters by labelSelector: equality, inequality, set-based and existence', async () => {
    const sel = async (s: string): Promise<string[]> =>
      names((await call(sim, `/api/v1/pods?labelSelector=${encodeURIComponent(s)}`)).json() as unknown as PodList);
    assert.deepEqual(await sel('app=demo'), ['default/demo']);
    assert.deepEqual(await sel('app==web'), ['team-a/web-0']);
    assert.deepEqual(await sel('app!=demo,app!=echo'), ['default/multi', 'team-a/distroless-0', 'team-a/web-0']);
    assert.deepEqual(await sel('app in (demo, web)'), ['default/demo', 'team-a/web-0']);
    assert.deepEqual(await sel('app notin (demo,web,multi)'), ['default/echo-0', 'team-a/distroless-0']);
    assert.deepEqual(await sel('tier'), ['default/demo']);
    assert.deepEqual(await sel('!tier,app in (demo,multi)'), ['default/multi']);
    assert.deepEqual(await sel('mode=light'), ['default/echo-0']);
    // Within one namespace the selector and the namespace both apply.
    const inTeamA = (
      await call(sim, `/api/v1/namespaces/team-a/pods?labelSelector=${encodeURIComponent('app in (demo,web)')}`)
    ).json() as unknown as PodList;
    assert.deepEqual(names(inTeamA), ['team-a/web-0']);
  });

  it('rejects a malformed labelSelector with 400', async () => {
    const r = await call(sim, `/api/v1/pods?labelSelector=${encodeURIComponent('app in demo')}`);
    assert.equal(r.status, 400);
    assert.equal(r.json()['reason'], 'BadRequest');
  });

  it('filters by fieldSelector metadata.name', async () => {
    const r = (
      await call(sim, '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Ddemo')
    ).json() as unknown as PodList;
    assert.deepEqual(names(r), ['default/demo']);
  });

  it('serves a meta.k8s.io/v1 Table when kubectl asks for one', async () => {
    const r = await call(sim, '/api/v1/pods?labelSelector=app%3Dmulti', { headers: { Accept: TABLE_ACCEPT } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json;as=Table;v=v1;g=meta.k8s.io');
    const t = r.json() as {
      kind: string;
      columnDefinitions: { name: string; priority: number }[];
      rows: { cells: unknown[]; object: { kind: string; metadata: { namespace: string } } }[];
    };
    assert.equal(t.kind, 'Table');
    assert.deepEqual(
      t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name),
      ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
    );
    assert.equal(t.rows.length, 1);
    assert.deepEqual(t.rows[0]?.cells.slice(0, 4), ['multi', '2/2', 'Running', '0']);
    assert.equal(t.rows[0]?.object.kind, 'PartialObjectMetadata');
    assert.equal(t.rows[0]?.object.metadata.namespace, 'default');
  });

  it('lists and gets namespaces', async () => {
    const list = (await call(sim, '/api/v1/namespaces')).json() as {
      kind: string;
      items: { metadata: { name: string }; status: { phase: string } }[];
    };
    assert.equal(list.kind, 'NamespaceList');
    assert.deepEqual(
      list.items.map((n) => n.metadata.name),
      ['default', 'team-a'],
    );
    assert.equal((await call(sim, '/api/v1/namespaces/team-a')).json()['kind'], 'Namespace');
    const missing = await call(sim, '/api/v1/namespaces/zzz');
    assert.equal(missing.status, 404);
    assert.equal(missing.json()['message'], 'namespaces "zzz" not found');
  });

  it('refuses writes with 405 and namespace watches with a clear 405', async () => {
    const del = await call(sim, '/api/v1/namespaces/default/pods/demo', { method: 'DELETE' });
    assert.equal(del.status, 405);
    assert.equal(del.json()['reason'], 'MethodNotAllowed');
    const watch = await call(sim, '/api/v1/namespaces?watch=true');
    assert.equal(watch.status, 405);
    assert.equal(watch.json()['message'], 'kube-sim does not support watch');
  });
});
