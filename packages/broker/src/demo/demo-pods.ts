import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { authorizeTarget } from '../auth/target-policy.js';
import type { Tenant } from '../tenants/tenant.js';

/** One pod the demo page offers. */
export interface DemoPod {
  namespace: string;
  pod: string;
  phase: string;
  containers: string[];
}

/** How long one namespace's pod list may take before the demo gives up on it. */
const LIST_TIMEOUT_MS = 5000;

/** Namespaces the demo lists: the tenant's globs that are literal names (a glob cannot be listed). */
export function literalNamespaces(tenant: Tenant): string[] {
  return tenant.namespaces.filter((ns) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns));
}

/** `work`, or a rejection after LIST_TIMEOUT_MS (client-node's list call has no timeout of its own). */
async function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: timed out after ${LIST_TIMEOUT_MS} ms`)), LIST_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Lists the pods of the tenant's namespaces with the broker's own credentials, keeping only those
 * the tenant's policy would allow a token for. This list is also the allow-list of the demo's
 * token endpoint: it never mints a token for a pod that is not on it.
 */
export async function listDemoPods(kc: KubeConfig, tenant: Tenant): Promise<DemoPod[]> {
  const api = kc.makeApiClient(CoreV1Api);
  const out: DemoPod[] = [];
  for (const namespace of literalNamespaces(tenant)) {
    const list = await withTimeout(api.listNamespacedPod({ namespace }), `listing the pods of ${namespace}`);
    for (const item of list.items) {
      const pod = item.metadata?.name;
      const containers = (item.spec?.containers ?? []).map((c) => c.name).filter((n) => n !== '');
      if (!pod || containers.length === 0) continue;
      try {
        authorizeTarget(tenant, { namespace, pod });
      } catch {
        continue;
      }
      out.push({ namespace, pod, phase: item.status?.phase ?? 'Unknown', containers });
    }
  }
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
}

/** Caches the pod list briefly so the page and the token endpoint do not hammer the apiserver. */
export class DemoPodCache {
  private cached: { at: number; pods: Promise<DemoPod[]> } | undefined;

  constructor(
    private readonly load: () => Promise<DemoPod[]>,
    private readonly ttlMs = 5000,
  ) {}

  get(): Promise<DemoPod[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const pods = this.load();
      this.cached = { at: now, pods };
      // A failed load is not cached: the next request tries again.
      pods.catch(() => {
        if (this.cached?.pods === pods) this.cached = undefined;
      });
    }
    return this.cached.pods;
  }
}
