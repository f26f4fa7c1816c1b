import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecServer } from '../exec/exec-server.js';
import type { ExecRequest } from '../exec/exec-request.js';
import type { Faults } from '../faults.js';
import type { ContainerFixture, PodFixture } from '../fixtures/types.js';

/**
 * A minimal plain-HTTP front for ExecServer, standing in for the HTTP side (no TLS, no auth) so the
 * streaming half can be tested on its own. It parses PodExecOptions like the apiserver and
 * hands the request over; unknown pods/containers get a bare 404.
 */
export interface ExecHarness {
  /** ws://127.0.0.1:port */
  wsBase: string;
  httpBase: string;
  exec: ExecServer;
  workRoot: string;
  counts: Map<string, number>;
  setFaults(f: Faults): void;
  /** `/api/v1/namespaces/<ns>/pods/<pod>/exec?…` */
  execPath(pod: string, opts: ExecQuery, ns?: string): string;
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

/** Kubernetes query booleans: a missing key is false; any value but `0`/`false` (any case) is true. */
function flag(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v !== null && !/^(0|false)$/i.test(v);
}

function toExecRequest(req: IncomingMessage, pods: PodFixture[]): ExecRequest | null {
  const url = new URL(req.url ?? '/', 'http://x');
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/.exec(url.pathname);
  if (!m) return null;
  const p = pods.find((x) => x.namespace === m[1] && x.name === m[2]);
  if (!p) return null;
  const cname = url.searchParams.get('container') ?? p.containers[0]?.name;
  const c = p.containers.find((x) => x.name === cname);
  if (!c) return null;
  return {
    subresource: m[3] as 'exec' | 'attach',
    pod: p,
    container: c,
    command: url.searchParams.getAll('command'),
    stdin: flag(url.searchParams, 'stdin'),
    stdout: flag(url.searchParams, 'stdout'),
    stderr: flag(url.searchParams, 'stderr'),
    tty: flag(url.searchParams, 'tty'),
    user: { name: 'test', groups: ['system:authenticated'], extra: {} },
  };
}

export async function startExecHarness(options: { faults?: Faults; pods?: PodFixture[] } = {}): Promise<ExecHarness> {
  const pods = options.pods ?? defaultPods();
  let faults: Faults = options.faults ?? {};
  const counts = new Map<string, number>();
  const workRoot = mkdtempSync(join(tmpdir(), 'kube-sim-exec-'));
  const exec = new ExecServer({
    faults: () => faults,
    countRequest: (key) => counts.set(key, (counts.get(key) ?? 0) + 1),
    workRoot,
  });
  const server: Server = createServer((req, res) => {
    const er = toExecRequest(req, pods);
    if (!er) {
      res.writeHead(404).end();
      return;
    }
    exec.handleRequest(req, res, er);
  });
  server.on('upgrade', (req, socket, head) => {
    const er = toExecRequest(req, pods);
    if (!er) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    exec.handleUpgrade(req, socket, head, er);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsBase: `ws://127.0.0.1:${port}`,
    httpBase: `http://127.0.0.1:${port}`,
    exec,
    workRoot,
    counts,
    setFaults: (f) => {
      faults = f;
    },
    execPath: (podName, q, ns = 'default') => execPath(ns, podName, q),
    close: async () => {
      await exec.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(workRoot, { recursive: true, force: true });
    },
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
