import { binding, clusterRole, group } from '../fixtures/rbac-builders.js';
import type { RbacObject } from '../fixtures/types.js';

/**
 * The slice of the apiserver's bootstrap RBAC policy kube-sim needs, bound to every authenticated
 * user: `system:discovery` (discovery paths) and `system:basic-user` (SelfSubjectAccessReview);
 * plus `cluster-admin` for fixtures to bind.
 */
export function bootstrapPolicy(): RbacObject[] {
  const authenticated = [group('system:authenticated')];
  return [
    clusterRole('system:discovery', [
      {
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
        verbs: ['get'],
      },
    ]),
    binding('ClusterRoleBinding', 'system:discovery', 'ClusterRole', 'system:discovery', authenticated),
    clusterRole('system:basic-user', [
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'], verbs: ['create'] },
    ]),
    binding('ClusterRoleBinding', 'system:basic-user', 'ClusterRole', 'system:basic-user', authenticated),
    clusterRole('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
  ];
}
