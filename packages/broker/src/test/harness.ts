import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { defaultFixture, startKubeSim, type KubeSim, type RbacObject } from '@pod-shell/kube-sim';
import { stringify } from 'yaml';
import { createAuthenticator } from '../auth/authenticator.js';
import { mintToken } from '../auth/token-mint.js';
import { startBroker, type Broker, type BrokerDeps } from '../broker.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../log/logger.js';
import { parseTenants } from '../tenants/tenants-file.js';
import type { Tenant } from '../tenants/tenant.js';
import { activeResourcesByType } from '../debug/resources-report.js';
import { ENDING_GAUGES, RESOURCE_GAUGES, type GaugeKind, type ResourceKind } from '../metrics/metrics.js';
import { brokerLauncher } from './broker-process.js';
import { TestClient, type ConnectOptions } from './client.js';
import { startProcessHarness } from './harness-process.js';

/**
 * Broker integration harness: a kube-sim (real PTYs, HTTPS, RBAC, impersonation), a tenants list
 * with an HS256 test key, the real JWT authenticator, and a broker on free ports. Log lines are
 * captured (tests assert the audit trail). Every test closes it, then asserts the gauges are zero.
 */
export const TEST_ORIGIN = 'https://app.example.com';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
const SECRET = 'broker-test-secret-0123456789abcdef-0123456789abcdef';

export const EXEC_GROUP = 'pod-shell:test';

/** The default simulated cluster plus RBAC letting EXEC_GROUP exec into every namespace. */
export function simFixture(): ReturnType<typeof defaultFixture> {
  const f = defaultFixture();
  const rbac: RbacObject[] = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'pod-shell-exec' },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'pod-shell-exec' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-shell-exec' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: EXEC_GROUP }],
    },
  ];
  f.rbac.push(...rbac);
  // An image without tar (file transfer falls back to cat for a single file, and says so otherwise).
  f.pods.push({
    ...structuredClone(f.pods.find((p) => p.namespace === 'default' && p.name === 'demo')!),
    name: 'no-tar',
    uid: '6f1c2a1e-0000-4000-8000-00000000a7a2',
    labels: { app: 'no-tar' },
  });
  f.pods.at(-1)!.containers[0]!.missingBinaries = ['tar'];
  return f;
}

export function tenantDoc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const limits = {
    maxConcurrentSessions: 2000,
    maxSessionSeconds: 3600,
    idleTimeoutSeconds: 900,
    connectsPerMinute: 100000,
    ...((overrides['limits'] as object | undefined) ?? {}),
  };
  return {
    name: 'test',
    issuer: 'https://test.example',
    audience: 'pod-shell',
    keys: [{ kid: 'hs-1', alg: 'HS256', secret: SECRET }],
    allowedOrigins: [TEST_ORIGIN],
    namespaces: ['default', 'team-a'],
    allowedCommands: [['/bin/sh'], ['sh', '-c', 'yes']],
    identity: { user: 'test:{sub}', groups: [EXEC_GROUP] },
    // The simulator models real TTY shells that survive stdin EOF; the broker hangs them up (threat 19).
    endOrphanedShells: true,
    ...overrides,
    limits,
  };
}

export interface TokenOptions {
  tenant?: string;
  sub?: string;
  namespace?: string;
  pod?: string;
  container?: string;
  command?: string[];
  ttlSeconds?: number;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Extra tenants (YAML objects) beside the default `test` tenant; or overrides of it. */
  tenants?: Record<string, unknown>[];
  testTenant?: Record<string, unknown>;
  deps?: Partial<BrokerDeps>;
}

/** What the broker reports about its own resources (ResourceGauges, live sessions, libuv handles by type). */
export interface BrokerResources {
  gauges: Record<ResourceKind, number>;
  sessions: number;
  activeResources: Record<string, number>;
}

export interface Harness {
  sim: KubeSim;
  /** The in-process broker; throws when the broker runs out of process (PODSHELL_TEST_BROKER_LAUNCHER). */
  broker: Broker;
  /** Read in-process, or from the admin port's /debug/resources when the broker is a separate process. */
  resources(): Promise<BrokerResources>;
  /** Sessions the broker's store holds for a tenant. */
  storeCount(tenant: string): Promise<number>;
  url: string;
  adminUrl: string;
  tenants: readonly Tenant[];
  logs: Record<string, unknown>[];
  token(opts?: TokenOptions): string;
  connect(opts?: TokenOptions & ConnectOptions): Promise<TestClient>;
  admin(path: string, init?: RequestInit): Promise<{ status: number; text: string }>;
  /** Resolves once every resource gauge and the live session count are 0 (polls: no event exists for "all gone"). */
  waitIdle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  if (brokerLauncher() !== undefined) return startProcessHarness(options);
  const sim = await startKubeSim({ fixtures: simFixture() });
  try {
    const tenants = parseTenants(stringify({ tenants: [tenantDoc(options.testTenant), ...(options.tenants ?? [])] }), {
      file: 'harness.yaml',
      baseDir: '/',
    });
    const config = loadConfig({
      ADMIN_TOKEN,
      TENANTS_FILE: '/dev/null',
      PORT: '0',
      ADMIN_PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...options.env,
    });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(sim.kubeconfig);
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    });
    const authenticator = createAuthenticator({ tenants, config });
    const broker = await startBroker(config, {
      authenticator,
      kubeConfig,
      logger,
      leakCheckPeriodMs: 200,
      ...options.deps,
    });
    const url = `ws://127.0.0.1:${broker.port}${config.sessionPath}`;
    const adminUrl = `http://127.0.0.1:${broker.adminPort}`;
    const resources = (): Promise<BrokerResources> =>
      Promise.resolve({
        gauges: broker.gauges.snapshot(),
        sessions: broker.sessions.size,
        activeResources: activeResourcesByType(),
      });
    return {
      sim,
      broker,
      url,
      adminUrl,
      tenants,
      logs,
      ...clientSide(tenants, url, adminUrl),
      resources,
      storeCount: (tenant) => broker.store.count(tenant),
      // Idle in process means every gauge, the broker-wide ones too (connecting sessions, shell cleanups).
      waitIdle: (timeoutMs) =>
        pollIdle(
          () =>
            Promise.resolve({
              gauges: idleGauges(broker.gauges.snapshotAll()),
              sessions: broker.sessions.size,
              activeResources: {},
            }),
          timeoutMs,
        ),
      close: async () => {
        await broker.close();
        await sim.close();
      },
    };
  } catch (err) {
    await sim.close();
    throw err;
  }
}

/**
 * One broker + kube-sim for a whole test file: started before the first test, faults cleared and the
 * broker back to idle (every gauge 0) after each test, closed after the last. Returns a getter.
 */
export function useHarness(options: HarnessOptions = {}): () => Harness {
  let h: Harness | undefined;
  before(async () => {
    h = await startHarness(options);
  });
  afterEach(async () => {
    h?.sim.setFaults({});
    await h?.waitIdle();
  });
  after(async () => {
    await h?.close();
  });
  return () => {
    assert.ok(h, 'the harness is started in before()');
    return h;
  };
}

/** The parts of a Harness that only talk to the broker over its ports: tokens, clients, the admin API. */
export function clientSide(
  tenants: readonly Tenant[],
  url: string,
  adminUrl: string,
): Pick<Harness, 'token' | 'connect' | 'admin'> {
  const token = (o: TokenOptions = {}): string => {
    const tenant = tenants.find((t) => t.name === (o.tenant ?? 'test'))!;
    const target: { namespace: string; pod: string; container?: string; command?: string[] } = {
      namespace: o.namespace ?? 'default',
      pod: o.pod ?? 'demo',
    };
    if (o.container !== undefined) target.container = o.container;
    if (o.command !== undefined) target.command = o.command;
    return mintToken({ tenant, sub: o.sub ?? 'alice', target, ttlSeconds: o.ttlSeconds ?? 600 });
  };
  return {
    token,
    connect: (o = {}) => TestClient.connect(url, { origin: TEST_ORIGIN, ...o, token: o.token ?? token(o) }),
    admin: async (path, init = {}) => {
      const res = await fetch(adminUrl + path, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers as Record<string, string> | undefined) },
      });
      return { status: res.status, text: await res.text() };
    },
  };
}

/** Resolves once every resource gauge and the live session count are 0 (polls: no event exists for "all gone"). */
export async function pollIdle(read: () => Promise<BrokerResources>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await read();
    if (r.sessions === 0 && Object.values(r.gauges).every((v) => v === 0)) return;
    if (Date.now() > deadline)
      throw new Error(`resources not released: ${JSON.stringify(r.gauges)}, live sessions ${r.sessions}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** The audit events of the captured log, by event name. */
export function auditEvents(
  logs: Record<string, unknown>[],
  event: 'session.start' | 'session.end' | 'session.rejected',
): Record<string, unknown>[] {
  return logs.filter((l) => l['event'] === event);
}

/** The gauges an idle broker has at 0: per-session resources and endings in flight (ResourceGauges.allZero), not its store subscriptions. */
function idleGauges(all: Record<GaugeKind, number>): Record<ResourceKind, number> {
  const out: Record<string, number> = {};
  for (const k of [...RESOURCE_GAUGES, ...ENDING_GAUGES]) out[k] = all[k];
  return out;
}
