import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { defaultFixture, startKubeSim, type RbacObject } from '@pod-shell/kube-sim';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { mintToken } from '../auth/token-mint.js';
import { parseTenants } from '../tenants/tenants-file.js';
import { spawnBroker } from './broker-process.js';
import { TestClient } from './client.js';
import { pollIdle, tenantDoc, TEST_ORIGIN } from './harness.js';
import { processResources } from './harness-process.js';

/**
 * The RBAC deploy/ ships, loaded into kube-sim as the apiserver would take it: the broker,
 * authenticated as its ServiceAccount, opens a tenant's shell only through impersonation, and
 * without the impersonation rule it gets 4403 with the apiserver's words. Under
 * PODSHELL_TEST_BROKER_LAUNCHER this is the image talking to the simulator.
 */
const DEPLOY = fileURLToPath(new URL('../../../../deploy/', import.meta.url));
const SA_TOKEN = 'pod-shell-broker-sa-token';
const SA_USER = 'system:serviceaccount:pod-shell:pod-shell-broker';
const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

function shippedRbac(): RbacObject[] {
  const rendered = execFileSync('kubectl', ['kustomize', `${DEPLOY}overlays/production`], { encoding: 'utf8' });
  const example = readFileSync(`${DEPLOY}examples/tenant-rbac.yaml`, 'utf8');
  return [rendered, example]
    .flatMap((text) => parseAllDocuments(text).map((d) => d.toJS() as RbacObject))
    .filter((o) => o !== null && RBAC_KINDS.has(o.kind));
}

/** The simulator's pods, the broker's ServiceAccount token, and ONLY the shipped RBAC. */
async function cluster(rbac: RbacObject[]) {
  const fixture = defaultFixture();
  fixture.tokens = [
    {
      token: SA_TOKEN,
      user: {
        name: SA_USER,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:pod-shell', 'system:authenticated'],
        extra: {},
      },
    },
  ];
  fixture.rbac = rbac;
  const sim = await startKubeSim({ fixtures: fixture });
  const kubeconfig = parse(sim.kubeconfig) as { users: { user: Record<string, unknown> }[] };
  kubeconfig.users[0]!.user = { token: SA_TOKEN };
  return { sim, kubeconfig: stringify(kubeconfig) };
}

const acme = tenantDoc({
  name: 'acme',
  namespaces: ['team-a', 'default'],
  identity: { user: 'acme:{sub}', groups: ['pod-shell:tenant-acme'] },
});

async function openShell(
  rbac: RbacObject[],
  namespace: string,
  pod: string,
): Promise<{ client: TestClient; stop: () => Promise<void> }> {
  const { sim, kubeconfig } = await cluster(rbac);
  const b = await spawnBroker(sim, {}, [acme], kubeconfig);
  const tenant = parseTenants(stringify({ tenants: [acme] }), { file: 't.yaml', baseDir: '/' })[0]!;
  const token = mintToken({ tenant, sub: 'alice', target: { namespace, pod }, ttlSeconds: 600 });
  const client = await TestClient.connect(`ws://127.0.0.1:${b.port}/v1/session`, { token, origin: TEST_ORIGIN });
  return {
    client,
    stop: async () => {
      await pollIdle(() => processResources(`http://127.0.0.1:${b.adminPort}`), 30_000);
      assert.deepEqual(await b.stop(), { code: 0, signal: null });
      await sim.close();
    },
  };
}

describe('the shipped RBAC in kube-sim', () => {
  test(
    'the broker as its ServiceAccount opens a tenant shell through impersonation',
    { timeout: 120_000 },
    async () => {
      const { client, stop } = await openShell(shippedRbac(), 'team-a', 'web-0');
      try {
        await client.waitForControl('hello');
        client.stdin('echo rbac-$((40+2))\r');
        await client.waitForText('rbac-42');
        assert.equal((await client.close()).code, 1000);
      } finally {
        await stop();
      }
    },
  );

  test(
    'the tenant group has no exec outside its own namespace: 4403 with the apiserver message',
    { timeout: 120_000 },
    async () => {
      const { client, stop } = await openShell(shippedRbac(), 'default', 'demo');
      try {
        assert.equal((await client.waitForClose()).code, 4403);
        assert.match(
          client.control('closing')?.message ?? '',
          /pods "demo" is forbidden: User "acme:alice" cannot (create|get) resource "pods\/exec" in API group "" in the namespace "default"/,
        );
      } finally {
        await stop();
      }
    },
  );

  test(
    'without the impersonation rule the broker gets 4403 with the apiserver words',
    { timeout: 120_000 },
    async () => {
      const rbac = shippedRbac().filter(
        (o) => !(o.kind === 'ClusterRole' && o.metadata.name === 'pod-shell-broker-impersonate'),
      );
      assert.equal(rbac.length, shippedRbac().length - 1);
      const { client, stop } = await openShell(rbac, 'team-a', 'web-0');
      try {
        assert.equal((await client.waitForClose()).code, 4403);
        assert.match(
          client.control('closing')?.message ?? '',
          new RegExp(`User "${SA_USER}" cannot impersonate resource "users" in API group "" at the cluster scope`),
        );
      } finally {
        await stop();
      }
    },
  );
});
