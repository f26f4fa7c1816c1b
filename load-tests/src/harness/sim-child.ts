import { defaultFixture, startKubeSim } from '@pod-shell/kube-sim';

/**
 * kube-sim for load runs, in its own process (its own file-descriptor budget): the built-in cluster
 * (default/echo-0 is a light echo pod, default/demo a real shell) plus RBAC letting LOAD_GROUP exec.
 */
export const LOAD_GROUP = 'pod-shell:load';

const fixture = defaultFixture();
fixture.rbac.push(
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'pod-shell-load' },
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
    ],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'pod-shell-load' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-shell-load' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: LOAD_GROUP }],
  },
);

if (process.send) {
  const sim = await startKubeSim({ fixtures: fixture });
  process.send({ kubeconfig: sim.kubeconfig });
  process.on('message', (m) => {
    if (m === 'close') void sim.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
}
