import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import { stringify } from 'yaml';
import { listDemoPods } from '../demo/demo-pods.js';
import { parseTenants } from '../tenants/tenants-file.js';
import { simFixture, tenantDoc } from './harness.js';

/** The demo's pod list (CoreV1Api against kube-sim): only the tenant's literal namespaces, sorted, with containers. */
describe('demo pod list', () => {
  let sim: KubeSim;
  let kc: KubeConfig;
  before(async () => {
    sim = await startKubeSim({ fixtures: simFixture() });
    kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig);
  });
  after(async () => {
    await sim.close();
  });

  test('lists the pods of the tenant namespaces, each with its containers, sorted', async () => {
    const tenant = parseTenants(stringify({ tenants: [tenantDoc({ namespaces: ['default', 'team-*'] })] }), {
      file: 't.yaml',
      baseDir: '/',
    })[0]!;
    const pods = await listDemoPods(kc, tenant);
    assert.ok(pods.length > 0);
    assert.ok(pods.some((p) => p.namespace === 'default' && p.pod === 'demo' && p.containers.length > 0));
    assert.deepEqual(new Set(pods.map((p) => p.namespace)), new Set(['default']), 'a glob namespace is not listed');
    const keys = pods.map((p) => `${p.namespace}/${p.pod}`);
    assert.deepEqual(keys, [...keys].sort());
    for (const p of pods) assert.match(p.phase, /^[A-Z][a-z]+$/);
  });

  test('an apiserver refusal is an error, not an empty list', async () => {
    const tenant = parseTenants(stringify({ tenants: [tenantDoc({ namespaces: ['default'] })] }), {
      file: 't.yaml',
      baseDir: '/',
    })[0]!;
    const anonymous = new KubeConfig();
    anonymous.loadFromString(sim.kubeconfig);
    const user = anonymous.getCurrentUser()!;
    (user as { token?: string }).token = 'not-a-valid-token';
    await assert.rejects(listDemoPods(anonymous, tenant));
  });
});
