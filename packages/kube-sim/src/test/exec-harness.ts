import type { ClientOptions } from 'ws';
import type { Faults } from '../faults.js';
import { startKubeSim, type KubeSim } from '../kube-sim.js';
import type { ProcessInfo } from '../stats.js';
import { RawExecClient } from './exec-client.js';
import type { ContainerFixture, PodFixture } from '../fixtures/types.js';

/**
 * The exec tests' simulator: the real `startKubeSim` (HTTPS, bearer token, RBAC, the HTTP side's
 * validation) with a fixture made for exec cases. `wsOptions` carry the CA and the admin token.
 */
export interface ExecHarness {
  sim: KubeSim;
  /** wss://127.0.0.1:port */
  wsBase: string;
  /** CA + `Authorization: Bearer <admin>` for a `ws` client. */
  wsOptions: ClientOptions;
  setFaults(f: Faults): void;
  /** `/api/v1/namespaces/<ns>/pods/<pod>/exec?…` */
  execPath(pod: string, opts: ExecQuery, ns?: string): string;
  /** Opens a raw exec client (default: offers only v5, like kubectl). */
  open(pod: string, q: ExecQuery, protocols?: string[], ns?: string): RawExecClient;
  /** Requests counted by key (see KubeSimStats.requests). */
  counts(): Record<string, number>;
  processes(): ProcessInfo[];
  openStreams(): number;
  close(): Promise<void>;
}

export interface ExecQuery {
  command: string[];
  container?: string;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  tty?: boolean;
}

export function container(name: string, extra: Partial<ContainerFixture> = {}): ContainerFixture {
  return { name, image: 'busybox', mode: 'process', env: {}, missingBinaries: [], running: true, ...extra };
}

export function pod(name: string, containers: ContainerFixture[], extra: Partial<PodFixture> = {}): PodFixture {
  return {
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    labels: {},
    annotations: {},
    nodeName: 'node-1',
    phase: 'Running',
    containers,
    initContainers: [],
    ephemeralContainers: [],
    creationTimestamp: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

/** The harness's fixture: a process pod, a light pod, a distroless pod, stopped and completed pods. */
export function defaultPods(): PodFixture[] {
  return [
    pod('demo', [container('shell', { env: { GREETING: 'hello from demo' } })]),
    pod('light', [container('echo', { mode: 'light' })]),
    pod('distroless-0', [container('app', { missingBinaries: ['sh', 'bash'] })]),
    pod('stopped', [container('main', { running: false })]),
    pod('done', [container('job')], { phase: 'Succeeded' }),
  ];
}

export async function startExecHarness(options: { faults?: Faults; pods?: PodFixture[] } = {}): Promise<ExecHarness> {
  const sim = await startKubeSim({
    fixtures: { namespaces: ['default'], pods: options.pods ?? defaultPods(), tokens: [], rbac: [] },
    faults: options.faults ?? {},
  });
  const wsBase = sim.url.replace(/^https:/, 'wss:');
  return {
    sim,
    wsBase,
    wsOptions: { ca: sim.caCert, headers: { Authorization: `Bearer ${sim.adminToken}` } },
    setFaults: (f) => sim.setFaults(f),
    execPath: (podName, q, ns = 'default') => execPath(ns, podName, q),
    open: (podName, q, protocols = ['v5.channel.k8s.io'], ns = 'default') =>
      new RawExecClient(wsBase + execPath(ns, podName, q), protocols, {
        ca: sim.caCert,
        headers: { Authorization: `Bearer ${sim.adminToken}` },
      }),
    counts: () => sim.stats().requests,
    processes: () => sim.stats().processes,
    openStreams: () => sim.stats().openExecStreams,
    close: () => sim.close(),
  };
}

/** Builds the exec path with kubectl's query layout (command repeated, booleans only when true). */
export function execPath(ns: string, podName: string, q: ExecQuery): string {
  const params = new URLSearchParams();
  for (const c of q.command) params.append('command', c);
  if (q.container) params.set('container', q.container);
  for (const k of ['stdin', 'stdout', 'stderr', 'tty'] as const) if (q[k]) params.set(k, 'true');
  return `/api/v1/namespaces/${ns}/pods/${podName}/exec?${params.toString()}`;
}
