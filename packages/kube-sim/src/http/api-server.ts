import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TokenAuthenticator } from '../auth/authenticate.js';
import { bootstrapPolicy } from '../auth/bootstrap-policy.js';
import { RbacAuthorizer, SYSTEM_MASTERS } from '../auth/rbac.js';
import type { Faults } from '../faults.js';
import { defaultFixture } from '../fixtures/defaults.js';
import { loadFixtureFile, normalizeFixture } from '../fixtures/load.js';
import { ClusterStore } from '../fixtures/store.js';
import type { ClusterFixture } from '../fixtures/types.js';
import type { KubeSimStats, ProcessInfo } from '../stats.js';
import { StatsRecorder } from '../stats-recorder.js';
import { defaultCertificateHosts, generateCertificates } from '../tls/certificates.js';
import { buildKubeconfig } from '../tls/kubeconfig.js';
import { ApiRouter, type ExecHandler } from './router.js';

export interface KubeSimOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** The cluster: a fixture object, a YAML file path, or omitted for the built-in default cluster. */
  fixtures?: ClusterFixture | string;
  /** Initial fault injection (see Faults); change later with `setFaults`. */
  faults?: Faults;
  /** Also write the kubeconfig to this path (mode 0600). */
  kubeconfigOut?: string;
  /** Directory for per-container working directories; default a fresh temp dir removed on close. */
  workRoot?: string;
  /** The admin bearer token (system:masters); default random. */
  adminToken?: string;
}

export interface KubeSim {
  /** `https://host:port`. */
  url: string;
  /** kubeconfig YAML: CA data, server URL, admin token. */
  kubeconfig: string;
  kubeconfigPath?: string;
  /** PEM of the CA that signed the server certificate. */
  caCert: string;
  adminToken: string;
  fixtures: ClusterFixture;
  stats(): KubeSimStats;
  /** Replaces the whole fault set. */
  setFaults(f: Faults): void;
  /** Stops listening, ends every stream and process, removes the temp work root. Idempotent. */
  close(): Promise<void>;
}

/** What the exec side provides (ExecServer), created with these hooks. */
export interface ExecBackend extends ExecHandler {
  openStreams(): number;
  processes(): ProcessInfo[];
  close(): Promise<void>;
}

export type ExecBackendFactory = (options: {
  faults: () => Faults;
  countRequest: (key: string) => void;
  workRoot: string;
  store: ClusterStore;
}) => ExecBackend;

export const ADMIN_USER = 'kube-sim:admin';

function resolveFixture(f: ClusterFixture | string | undefined): ClusterFixture {
  if (f === undefined) return normalizeFixture(defaultFixture());
  if (typeof f === 'string') return loadFixtureFile(f);
  return normalizeFixture(f);
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the simulator with a given exec backend. `startKubeSim` (kube-sim.ts) passes the real
 * ExecServer; tests of the HTTP side may pass a stub.
 */
export async function startApiServer(options: KubeSimOptions, createExec: ExecBackendFactory): Promise<KubeSim> {
  const host = options.host ?? '127.0.0.1';
  const fixture = resolveFixture(options.fixtures);
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  const tokens = [
    { token: adminToken, user: { name: ADMIN_USER, groups: [SYSTEM_MASTERS], extra: {} } },
    ...fixture.tokens.filter((t) => t.token !== adminToken),
  ];
  const store = new ClusterStore(fixture);
  const certs = generateCertificates(defaultCertificateHosts(host));
  const recorder = new StatsRecorder();
  let faults: Faults = { ...(options.faults ?? {}) };
  const ownWorkRoot = options.workRoot === undefined;
  const workRoot = options.workRoot ?? mkdtempSync(join(tmpdir(), 'kube-sim-'));
  const exec = createExec({ faults: () => faults, countRequest: recorder.count, workRoot, store });

  let address = '';
  const router = new ApiRouter({
    store,
    authenticator: new TokenAuthenticator(tokens),
    authorizer: new RbacAuthorizer([...bootstrapPolicy(), ...fixture.rbac]),
    exec,
    countRequest: recorder.count,
    serverAddress: () => address,
  });

  const server: Server = createServer({ cert: certs.serverCert, key: certs.serverKey });
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('request', router.handleRequest);
  server.on('upgrade', router.handleUpgrade);
  // A TLS handshake failure (e.g. a client that does not trust the CA) must not crash the simulator.
  server.on('tlsClientError', (_err, s) => s.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: load tests open thousands of exec connections at once (Node's default is 511).
    server.listen({ port: options.port ?? 0, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  address = `${formatHost(host)}:${port}`;
  const url = `https://${formatHost(host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host)}:${port}`;
  const kubeconfig = buildKubeconfig({ server: url, caCertPem: certs.caCert, token: adminToken });
  if (options.kubeconfigOut !== undefined) writeFileSync(options.kubeconfigOut, kubeconfig, { mode: 0o600 });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await exec.close();
      for (const s of sockets) s.destroy();
      await stopped;
      if (ownWorkRoot) rmSync(workRoot, { recursive: true, force: true });
    })();
    return closing;
  };

  const sim: KubeSim = {
    url,
    kubeconfig,
    caCert: certs.caCert,
    adminToken,
    fixtures: fixture,
    stats: () => ({ requests: recorder.snapshot(), openExecStreams: exec.openStreams(), processes: exec.processes() }),
    setFaults: (f) => {
      faults = { ...f };
    },
    close,
  };
  if (options.kubeconfigOut !== undefined) sim.kubeconfigPath = options.kubeconfigOut;
  return sim;
}
