/** The paths kube-sim serves. `template` is what the request counters record. */
export type Route =
  | { kind: 'version' | 'api' | 'apiV1' | 'apis' | 'health' | 'openapi'; template: string }
  | { kind: 'authzGroup' | 'authzV1' | 'selfSubjectAccessReviews'; template: string }
  | { kind: 'namespaces'; template: string }
  | { kind: 'namespace'; template: string; name: string }
  | { kind: 'pods'; template: string; namespace: string | null }
  | { kind: 'pod'; template: string; namespace: string; name: string }
  | { kind: 'stream'; template: string; namespace: string; name: string; subresource: 'exec' | 'attach' }
  | { kind: 'ephemeralContainers' | 'log'; template: string; namespace: string; name: string }
  | { kind: 'unknown'; template: string };

function seg(s: string | undefined): string {
  try {
    return decodeURIComponent(s ?? '');
  } catch {
    return s ?? '';
  }
}

export function matchRoute(pathname: string): Route {
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  switch (path) {
    case '/version':
      return { kind: 'version', template: '/version' };
    case '/api':
      return { kind: 'api', template: '/api' };
    case '/api/v1':
      return { kind: 'apiV1', template: '/api/v1' };
    case '/apis':
      return { kind: 'apis', template: '/apis' };
    case '/healthz':
    case '/livez':
    case '/readyz':
      return { kind: 'health', template: path };
    case '/apis/authorization.k8s.io':
      return { kind: 'authzGroup', template: path };
    case '/apis/authorization.k8s.io/v1':
      return { kind: 'authzV1', template: path };
    case '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews':
      return { kind: 'selfSubjectAccessReviews', template: path };
    case '/api/v1/namespaces':
      return { kind: 'namespaces', template: '/api/v1/namespaces' };
    case '/api/v1/pods':
      return { kind: 'pods', template: '/api/v1/pods', namespace: null };
    default:
      break;
  }
  if (path.startsWith('/openapi/')) return { kind: 'openapi', template: '/openapi/*' };
  const p = path.split('/');
  // ['', 'api', 'v1', 'namespaces', ns, 'pods', name, sub]
  if (p[1] === 'api' && p[2] === 'v1' && p[3] === 'namespaces' && p.length >= 5) {
    const ns = seg(p[4]);
    if (p.length === 5) return { kind: 'namespace', template: '/api/v1/namespaces/{name}', name: ns };
    if (p[5] === 'pods') {
      if (p.length === 6) return { kind: 'pods', template: '/api/v1/namespaces/{ns}/pods', namespace: ns };
      if (p.length === 7)
        return { kind: 'pod', template: '/api/v1/namespaces/{ns}/pods/{name}', namespace: ns, name: seg(p[6]) };
      if (p.length === 8 && (p[7] === 'exec' || p[7] === 'attach')) {
        return {
          kind: 'stream',
          template: `/api/v1/namespaces/{ns}/pods/{name}/${p[7]}`,
          namespace: ns,
          name: seg(p[6]),
          subresource: p[7],
        };
      }
      if (p.length === 8 && p[7] === 'log')
        return { kind: 'log', template: '/api/v1/namespaces/{ns}/pods/{name}/log', namespace: ns, name: seg(p[6]) };
      if (p.length === 8 && p[7] === 'ephemeralcontainers') {
        return {
          kind: 'ephemeralContainers',
          template: '/api/v1/namespaces/{ns}/pods/{name}/ephemeralcontainers',
          namespace: ns,
          name: seg(p[6]),
        };
      }
    }
  }
  return { kind: 'unknown', template: '(unknown)' };
}
