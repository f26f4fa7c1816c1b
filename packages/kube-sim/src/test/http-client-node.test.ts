import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import type { KubeSim } from '../http/api-server.js';
import { startKubeSim } from '../kube-sim.js';

/** @kubernetes/client-node 1.4 configured only from the simulator's kubeconfig (CA + token). */
describe('@kubernetes/client-node against the kubeconfig', () => {
  let sim: KubeSim;
  let kc: KubeConfig;
  before(async () => {
    sim = await startKubeSim();
    kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig);
  });
  after(() => sim.close());

  it('reads and lists pods over TLS with the CA from the kubeconfig', async () => {
    const api = kc.makeApiClient(CoreV1Api);
    const pod = await api.readNamespacedPod({ name: 'web-0', namespace: 'team-a' });
    assert.equal(pod.metadata?.name, 'web-0');
    assert.equal(pod.status?.phase, 'Running');
    assert.equal(pod.spec?.containers[0]?.name, 'web');
    const list = await api.listPodForAllNamespaces({ labelSelector: 'app in (demo,multi)' });
    assert.deepEqual(
      list.items.map((p) => p.metadata?.name),
      ['demo', 'multi'],
    );
    await assert.rejects(
      api.readNamespacedPod({ name: 'nope', namespace: 'default' }),
      (e: unknown) => (e as { code?: number }).code === 404,
    );
  });

  it('execs through the handed-off WebSocket and reports the status', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc)
        .exec('default', 'demo', 'shell', ['sh', '-c', 'echo from-client-node'], stdout, null, null, false, (s) =>
          resolve(s),
        )
        .catch(reject);
    });
    assert.equal(status.status, 'Success');
    assert.equal(out, 'from-client-node\n');
  });
});
