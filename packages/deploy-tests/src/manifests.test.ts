import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { find, OVERLAYS, renderOverlay, type KubeObject } from './deploy-files.js';
import { validateObject } from './schemas.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is walked by path */
type Any = any;

const env = (container: Any): Record<string, Any> => Object.fromEntries((container.env as Any[]).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('schema validation', () => {
  test('an object that breaks its schema is refused (the check can fail)', () => {
    const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'three', selector: {}, template: {} } } as KubeObject;
    assert.throws(() => validateObject(bad), /replicas/);
    assert.throws(() => validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), /no schema/);
  });
});

for (const overlay of OVERLAYS) {
  describe(`overlay ${overlay}`, () => {
    const objects = renderOverlay(overlay);
    const deployment = find(objects, 'Deployment', 'pod-shell-broker') as Any;
    const pod = deployment.spec.template.spec;
    const broker = pod.containers[0];

    test('kubectl kustomize renders it and every object validates against its schema', () => {
      const kinds = new Set(objects.map((o) => o.kind));
      for (const kind of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'Ingress', 'ServiceMonitor', 'PrometheusRule', 'ConfigMap']) {
        assert.ok(kinds.has(kind), `${kind} rendered`);
      }
      for (const o of objects) validateObject(o);
    });

    test('replicas and the Redis choice', () => {
      const e = env(broker);
      if (overlay === 'dev') {
        assert.equal(deployment.spec.replicas, 2);
        assert.equal(e['REDIS_URL'], 'redis://pod-shell-redis:6379');
        find(objects, 'Deployment', 'pod-shell-redis');
      } else {
        assert.ok(deployment.spec.replicas >= 3);
        assert.ok((find(objects, 'HorizontalPodAutoscaler', 'pod-shell-broker') as Any).spec.minReplicas >= 3);
        assert.match(e['REDIS_SENTINELS'], /^[^,]+:26379(,[^,]+:26379)*$/);
        assert.ok(e['REDIS_SENTINEL_NAME']);
        assert.equal(e['REDIS_URL'], undefined);
      }
    });

    test('restricted Pod Security: non-root, read-only root FS, no capabilities, seccomp RuntimeDefault', () => {
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
      assert.equal(broker.securityContext.readOnlyRootFilesystem, true);
      assert.equal(broker.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(broker.securityContext.capabilities.drop, ['ALL']);
      assert.equal((find(objects, 'Namespace', 'pod-shell') as Any).metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    });

    test('the grace period outlasts preStop + DRAIN_SECONDS; probes, resources, topology spread', () => {
      const preStop = Number(broker.lifecycle.preStop.exec.command[1]);
      assert.ok(pod.terminationGracePeriodSeconds > preStop + Number(env(broker)['DRAIN_SECONDS']) + 5);
      assert.equal(broker.readinessProbe.httpGet.path, '/readyz');
      assert.equal(broker.livenessProbe.httpGet.path, '/healthz');
      assert.ok(broker.resources.requests.cpu && broker.resources.limits.memory);
      assert.ok(pod.topologySpreadConstraints.length >= 1);
      assert.equal(env(broker)['ADMIN_TOKEN'].secretKeyRef.name, 'pod-shell-admin');
      assert.equal(pod.volumes.find((v: Any) => v.name === 'tenants').secret.secretName, 'pod-shell-tenants');
    });

    test('the broker may only impersonate: no exec, no pods for its own identity', () => {
      const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role') as Any[];
      const bindings = objects.filter((o) => (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') && (o as Any).subjects.some((s: Any) => s.kind === 'ServiceAccount' && s.name === 'pod-shell-broker')) as Any[];
      assert.equal(bindings.length, 1);
      const role = roles.find((r) => r.metadata.name === bindings[0].roleRef.name);
      assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }]);
    });

    test('NetworkPolicy: egress only to the API server, Redis and DNS', () => {
      const np = find(objects, 'NetworkPolicy', 'pod-shell-broker') as Any;
      assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
      const ports = np.spec.egress.flatMap((r: Any) => r.ports.map((p: Any) => `${p.protocol}/${p.port}`)).sort();
      assert.deepEqual(ports, ['TCP/26379', 'TCP/443', 'TCP/53', 'TCP/6379', 'TCP/6443', 'UDP/53']);
    });
  });
}
