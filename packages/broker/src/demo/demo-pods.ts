import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { authorizeTarget } from '../auth/target-policy.js';
import type { Tenant } from '../tenants/tenant.js';

/** One pod the demo page offers. */
export interface DemoPod {
  namespace: string;
  pod: string;
  phase: string;
  containers: string[];
}

/** Largest pod list body read from the apiserver (a demo, not a cluster browser). */
const MAX_LIST_BYTES = 4 * 1024 * 1024;
const LIST_TIMEOUT_MS = 5000;

/** Namespaces the demo lists: the tenant's globs that are literal names (a glob cannot be listed). */
export function literalNamespaces(tenant: Tenant): string[] {
  return tenant.namespaces.filter((ns) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns));
}

async function getJson(kc: KubeConfig, path: string): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  const options: Parameters<typeof request>[1] = { method: 'GET', timeout: LIST_TIMEOUT_MS, headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_LIST_BYTES) req.destroy(new Error('pod list too large'));
        else chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out after ${LIST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

interface PodListJson {
  items?: { metadata?: { name?: string; namespace?: string }; spec?: { containers?: { name?: string }[] }; status?: { phase?: string } }[];
}

/**
 * Lists the pods of the tenant's namespaces with the broker's own credentials, keeping only those
 * the tenant's policy would allow a token for. This list is also the allow-list of the demo's
 * token endpoint: it never mints a token for a pod that is not on it.
 */
export async function listDemoPods(kc: KubeConfig, tenant: Tenant): Promise<DemoPod[]> {
  const out: DemoPod[] = [];
  for (const namespace of literalNamespaces(tenant)) {
    const list = (await getJson(kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`)) as PodListJson;
    for (const item of list.items ?? []) {
      const pod = item.metadata?.name;
      const containers = (item.spec?.containers ?? []).map((c) => c.name).filter((n): n is string => typeof n === 'string');
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
