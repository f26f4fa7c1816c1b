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
import { TestClient, type ConnectOptions } from './client.js';

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
  return f;
}

export function tenantDoc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const limits = { maxConcurrentSessions: 2000, maxSessionSeconds: 3600, idleTimeoutSeconds: 900, connectsPerMinute: 100000, ...((overrides['limits'] as object | undefined) ?? {}) };
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

export interface Harness {
  sim: KubeSim;
  broker: Broker;
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
  const sim = await startKubeSim({ fixtures: simFixture() });
  try {
    const tenants = parseTenants(stringify({ tenants: [tenantDoc(options.testTenant), ...(options.tenants ?? [])] }), { file: 'harness.yaml', baseDir: '/' });
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
    const logger = createLogger({ level: 'info', sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
    const authenticator = createAuthenticator({ tenants, config });
    const broker = await startBroker(config, { authenticator, kubeConfig, logger, leakCheckPeriodMs: 200, ...options.deps });
    const url = `ws://127.0.0.1:${broker.port}${config.sessionPath}`;
    const adminUrl = `http://127.0.0.1:${broker.adminPort}`;
    const token = (o: TokenOptions = {}): string => {
      const tenant = tenants.find((t) => t.name === (o.tenant ?? 'test'))!;
      const target: { namespace: string; pod: string; container?: string; command?: string[] } = { namespace: o.namespace ?? 'default', pod: o.pod ?? 'demo' };
      if (o.container !== undefined) target.container = o.container;
      if (o.command !== undefined) target.command = o.command;
      return mintToken({ tenant, sub: o.sub ?? 'alice', target, ttlSeconds: o.ttlSeconds ?? 600 });
    };
    return {
      sim,
      broker,
      url,
      adminUrl,
      tenants,
      logs,
      token,
      connect: (o = {}) => TestClient.connect(url, { origin: TEST_ORIGIN, ...o, token: o.token ?? token(o) }),
      admin: async (path, init = {}) => {
        const res = await fetch(adminUrl + path, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers as Record<string, string> | undefined) } });
        return { status: res.status, text: await res.text() };
      },
      waitIdle: async (timeoutMs = 10_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!(broker.gauges.allZero() && broker.sessions.size === 0)) {
          if (Date.now() > deadline) throw new Error(`resources not released: ${JSON.stringify(broker.gauges.snapshotAll())}, live sessions ${broker.sessions.size}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
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

/** The audit events of the captured log, by event name. */
export function auditEvents(logs: Record<string, unknown>[], event: 'session.start' | 'session.end' | 'session.rejected'): Record<string, unknown>[] {
  return logs.filter((l) => l['event'] === event);
}
