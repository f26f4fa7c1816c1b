import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { find, OVERLAYS, renderOverlay, type KubeObject } from './deploy-files.js';
import { validateObject } from './schemas.js';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type {
  IClusterRole,
  IClusterRoleBinding,
  IRole,
  IRoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { IContainer, IEnvVarSource, INamespace } from 'kubernetes-models/v1';

/** The kubernetes-models interface of each kind this file walks into. */
interface Kinds {
  Deployment: IDeployment;
  HorizontalPodAutoscaler: IHorizontalPodAutoscaler;
  Namespace: INamespace;
  NetworkPolicy: INetworkPolicy;
}

/** A rendered object as its kind's typed interface (the schema check above validates that shape). */
const as = <T>(o: KubeObject): T => o as unknown as T;
const get = <K extends keyof Kinds>(objects: KubeObject[], kind: K, name: string): Kinds[K] =>
  as<Kinds[K]>(find(objects, kind, name));

/** A container's env by name: the literal value, or the valueFrom source. */
const env = (container: IContainer): Record<string, string | IEnvVarSource | undefined> =>
  Object.fromEntries(container.env!.map((e) => [e.name, e.value ?? e.valueFrom]));

describe('schema validation', () => {
  test('an object that breaks its schema is refused (the check can fail)', () => {
    const bad = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: { replicas: 'three', selector: {}, template: {} },
    } as KubeObject;
    assert.throws(() => validateObject(bad), /replicas/);
    assert.throws(
      () => validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
      /no schema/,
    );
  });
});

for (const overlay of OVERLAYS) {
  describe(`overlay ${overlay}`, () => {
    const objects = renderOverlay(overlay);
    const deployment = get(objects, 'Deployment', 'pod-shell-broker');
    const pod = deployment.spec!.template.spec!;
    const broker = pod.containers[0]!;

    test('kubectl kustomize renders it and every object validates against its schema', () => {
      const kinds = new Set(objects.map((o) => o.kind));
      for (const kind of [
        'Namespace',
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'NetworkPolicy',
        'Ingress',
        'ServiceMonitor',
        'PrometheusRule',
        'ConfigMap',
      ]) {
        assert.ok(kinds.has(kind), `${kind} rendered`);
      }
      for (const o of objects) validateObject(o);
    });

    test('replicas and the Redis choice', () => {
      const e = env(broker);
      if (overlay === 'dev') {
        assert.equal(deployment.spec!.replicas, 2);
        assert.equal(e['REDIS_URL'], 'redis://pod-shell-redis:6379');
        find(objects, 'Deployment', 'pod-shell-redis');
      } else {
        assert.ok(deployment.spec!.replicas! >= 3);
        assert.ok(get(objects, 'HorizontalPodAutoscaler', 'pod-shell-broker').spec!.minReplicas! >= 3);
        assert.match(e['REDIS_SENTINELS'] as string, /^[^,]+:26379(,[^,]+:26379)*$/);
        assert.ok(e['REDIS_SENTINEL_NAME']);
        assert.equal(e['REDIS_URL'], undefined);
      }
    });

    test('restricted Pod Security: non-root, read-only root FS, no capabilities, seccomp RuntimeDefault', () => {
      assert.equal(pod.securityContext!.runAsNonRoot, true);
      assert.equal(pod.securityContext!.seccompProfile!.type, 'RuntimeDefault');
      assert.equal(broker.securityContext!.readOnlyRootFilesystem, true);
      assert.equal(broker.securityContext!.allowPrivilegeEscalation, false);
      assert.deepEqual(broker.securityContext!.capabilities!.drop, ['ALL']);
      assert.equal(
        get(objects, 'Namespace', 'pod-shell').metadata!.labels!['pod-security.kubernetes.io/enforce'],
        'restricted',
      );
    });

    test('the grace period outlasts preStop + DRAIN_SECONDS; probes, resources, topology spread', () => {
      const preStop = Number(broker.lifecycle!.preStop!.exec!.command![1]);
      assert.ok(pod.terminationGracePeriodSeconds! > preStop + Number(env(broker)['DRAIN_SECONDS']) + 5);
      assert.equal(broker.readinessProbe!.httpGet!.path, '/readyz');
      assert.equal(broker.livenessProbe!.httpGet!.path, '/healthz');
      assert.ok(broker.resources!.requests!['cpu'] && broker.resources!.limits!['memory']);
      assert.ok(pod.topologySpreadConstraints!.length >= 1);
      assert.equal((env(broker)['ADMIN_TOKEN'] as IEnvVarSource).secretKeyRef!.name, 'pod-shell-admin');
      assert.equal(pod.volumes!.find((v) => v.name === 'tenants')!.secret!.secretName, 'pod-shell-tenants');
    });

    test('the broker may only impersonate: no exec, no pods for its own identity', () => {
      const roles = objects
        .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
        .map((o) => as<IClusterRole | IRole>(o));
      const bindings = objects
        .filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding')
        .map((o) => as<IClusterRoleBinding | IRoleBinding>(o))
        .filter((b) => b.subjects!.some((s) => s.kind === 'ServiceAccount' && s.name === 'pod-shell-broker'));
      assert.equal(bindings.length, 1);
      const role = roles.find((r) => r.metadata!.name === bindings[0]!.roleRef.name);
      assert.deepEqual(role!.rules, [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }]);
    });

    test('NetworkPolicy: egress only to the API server, Redis, the other replicas and DNS', () => {
      const np = get(objects, 'NetworkPolicy', 'pod-shell-broker');
      assert.deepEqual(np.spec!.policyTypes, ['Ingress', 'Egress']);
      const ports = np.spec!.egress!.flatMap((r) => r.ports!.map((p) => `${p.protocol}/${p.port}`)).sort();
      assert.deepEqual(ports, ['TCP/26379', 'TCP/443', 'TCP/53', 'TCP/6379', 'TCP/6443', 'TCP/8080', 'UDP/53']);
      // Replica links: broker pods reach each other's public port, and only that port.
      const brokerSelector = deployment.spec!.selector.matchLabels!;
      const fromBrokers = np.spec!.ingress!.filter((r) =>
        r.from!.some((f) => f.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'broker'),
      );
      assert.deepEqual(
        fromBrokers.flatMap((r) => r.ports!.map((p) => p.port)),
        ['ws'],
      );
      assert.equal(brokerSelector['app.kubernetes.io/component'], 'broker');
    });

    test('replica links: each replica advertises its pod IP and reads the shared secret', () => {
      const e = env(broker);
      assert.equal((e['POD_IP'] as IEnvVarSource).fieldRef!.fieldPath, 'status.podIP');
      assert.equal(e['REPLICA_LINK_URL'], 'ws://$(POD_IP):8080');
      const names = broker.env!.map((v) => v.name);
      assert.ok(names.indexOf('POD_IP') < names.indexOf('REPLICA_LINK_URL'), 'POD_IP is defined before it is used');
      const secret = (e['REPLICA_LINK_SECRET'] as IEnvVarSource).secretKeyRef!;
      assert.deepEqual([secret.name, secret.key], ['pod-shell-replica-link', 'REPLICA_LINK_SECRET']);
    });
  });
}
