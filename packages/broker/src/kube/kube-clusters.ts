import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClientOptions } from 'ws';
import { ConfigError } from '../errors.js';

/** Where the in-cluster service account token lives; its presence selects in-cluster config. */
const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads the broker's Kubernetes credentials once: the KUBECONFIG file when set, else the in-cluster
 * service account, else client-node's default (~/.kube/config).
 */
export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfigPath !== undefined) kc.loadFromFile(kubeconfigPath);
    else if (existsSync(IN_CLUSTER_TOKEN)) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (err) {
    throw new ConfigError(
      `KUBECONFIG ${JSON.stringify(kubeconfigPath ?? '(default)')} could not be loaded: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (kc.getCurrentCluster() === null) {
    throw new ConfigError(`KUBECONFIG ${JSON.stringify(kubeconfigPath ?? '(default)')} has no current cluster`);
  }
  return kc;
}

/** What a session needs to dial the apiserver of one kubeconfig context. */
export interface ClusterDial {
  /** `https://host:port[/prefix]` without a trailing slash. */
  server: string;
  /** TLS and credential options for `ws` (CA, client cert/key, Authorization header, agent). */
  options: ClientOptions;
}

/**
 * One KubeConfig per context (a tenant's `kubeContext` selects one; unset = the current context).
 * Credentials are applied per dial (`applyToHTTPSOptions`) so rotated tokens and exec plugins are
 * honoured; the KubeConfig objects themselves are built once per context and cached.
 */
export class KubeClusters {
  private readonly perContext = new Map<string, KubeConfig>();
  /** TLS contexts by the hash of their CA, certificate and key: one per credential set, not per session. */
  private readonly secureContexts = new Map<string, SecureContext>();

  constructor(private readonly base: KubeConfig) {}

  /** Throws ConfigError when the context does not exist (checked per session: tenants reload). */
  private configFor(context: string | undefined): KubeConfig {
    const name = context ?? this.base.getCurrentContext();
    let kc = this.perContext.get(name);
    if (kc !== undefined) return kc;
    if (this.base.getContextObject(name) === null) {
      throw new ConfigError(`kubeconfig context ${JSON.stringify(name)} does not exist (tenant kubeContext)`, {
        tenants: true,
      });
    }
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: this.base.getClusters(),
      users: this.base.getUsers(),
      contexts: this.base.getContexts(),
      currentContext: name,
    });
    this.perContext.set(name, kc);
    return kc;
  }

  async dial(context: string | undefined): Promise<ClusterDial> {
    const kc = this.configFor(context);
    const cluster = kc.getCurrentCluster();
    if (cluster === null)
      throw new ConfigError(`kubeconfig context ${JSON.stringify(context)} names no cluster`, { tenants: true });
    const options: ClientOptions = {};
    await kc.applyToHTTPSOptions(options);
    return {
      server: cluster.server.replace(/\/+$/, ''),
      options: this.shareTls(options, cluster.proxyUrl !== undefined),
    };
  }

  /**
   * Node builds a new SecureContext (the parsed CA store, certificate and key: tens of KB of native
   * memory) for every connection given raw `ca`/`cert`/`key`. Sessions of one context share one
   * instead, keyed by the credentials' content, so a rotated certificate gets a new one. The
   * per-call agent client-node creates is dropped too unless a proxy needs it (an upgrade socket
   * leaves the agent anyway).
   */
  private shareTls(options: ClientOptions, proxied: boolean): ClientOptions {
    const o = options as ClientOptions & {
      ca?: unknown;
      cert?: unknown;
      key?: unknown;
      passphrase?: string;
      pfx?: unknown;
      secureContext?: SecureContext;
    };
    if (!proxied) delete o.agent;
    if (o.pfx !== undefined) return o;
    const material = [o.ca, o.cert, o.key, o.passphrase].map((v) =>
      v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('base64') : typeof v === 'string' ? v : JSON.stringify(v),
    );
    if (material.every((m) => m === '')) return o;
    const key = createHash('sha256').update(material.join('\0')).digest('hex');
    let ctx = this.secureContexts.get(key);
    if (ctx === undefined) {
      ctx = createSecureContext({
        ...(o.ca !== undefined ? { ca: o.ca as Buffer } : {}),
        ...(o.cert !== undefined ? { cert: o.cert as Buffer } : {}),
        ...(o.key !== undefined ? { key: o.key as Buffer } : {}),
        ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
      });
      // Bounded: a handful of contexts × credential rotations; drop the oldest beyond 32.
      if (this.secureContexts.size >= 32) this.secureContexts.delete(this.secureContexts.keys().next().value!);
      this.secureContexts.set(key, ctx);
    }
    delete o.ca;
    delete o.cert;
    delete o.key;
    delete o.passphrase;
    o.secureContext = ctx;
    return o;
  }
}
