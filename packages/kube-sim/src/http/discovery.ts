/**
 * Legacy discovery documents. kubectl asks `/api` and `/apis` for aggregated discovery
 * (apidiscovery.k8s.io/v2) first; answering `Content-Type: application/json` makes client-go fall
 * back to legacy discovery (`/api` → `/api/v1`, `/apis` → each group), which is all kube-sim serves.
 */

export const SIM_VERSION = { major: '1', minor: '35', gitVersion: 'v1.35.0-kube-sim' };

export function versionInfo(): Record<string, unknown> {
  return {
    major: SIM_VERSION.major,
    minor: SIM_VERSION.minor,
    emulationMajor: SIM_VERSION.major,
    emulationMinor: SIM_VERSION.minor,
    minCompatibilityMajor: SIM_VERSION.major,
    minCompatibilityMinor: '34',
    gitVersion: SIM_VERSION.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.25.0',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

const AUTHZ_GROUP = {
  name: 'authorization.k8s.io',
  versions: [{ groupVersion: 'authorization.k8s.io/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'authorization.k8s.io/v1', version: 'v1' },
};

/** One API group: authorization.k8s.io, for SelfSubjectAccessReview (`kubectl auth can-i`). */
export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [AUTHZ_GROUP] };
}

export function authorizationGroup(): Record<string, unknown> {
  return { kind: 'APIGroup', apiVersion: 'v1', ...AUTHZ_GROUP };
}

export function authorizationV1Resources(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'authorization.k8s.io/v1',
    resources: [
      {
        name: 'selfsubjectaccessreviews',
        singularName: 'selfsubjectaccessreview',
        namespaced: false,
        kind: 'SelfSubjectAccessReview',
        verbs: ['create'],
      },
    ],
  };
}

/** Only what kube-sim actually serves, with the verbs it supports. */
export function coreV1Resources(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      {
        name: 'namespaces',
        singularName: 'namespace',
        namespaced: false,
        kind: 'Namespace',
        verbs: ['get', 'list'],
        shortNames: ['ns'],
        storageVersionHash: 'Q3oi5N2YM8M=',
      },
      {
        name: 'pods',
        singularName: 'pod',
        namespaced: true,
        kind: 'Pod',
        verbs: ['get', 'list', 'watch'],
        shortNames: ['po'],
        categories: ['all'],
        storageVersionHash: 'xPOwRZ+Yhw8=',
      },
      { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      {
        name: 'pods/ephemeralcontainers',
        singularName: '',
        namespaced: true,
        kind: 'Pod',
        verbs: ['get', 'patch', 'update'],
      },
      { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    ],
  };
}
