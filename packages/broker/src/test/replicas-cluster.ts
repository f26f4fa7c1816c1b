import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { after, afterEach, before } from 'node:test';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import { stringify } from 'yaml';
import { mintToken } from '../auth/token-mint.js';
import { loadTenantsFile } from '../tenants/tenants-file.js';
import type { Tenant } from '../tenants/tenant.js';
import { IDLE_ZERO_GAUGES } from '../metrics/metrics.js';
import { TestClient, type ConnectOptions } from './client.js';
import { ADMIN_TOKEN, TEST_ORIGIN, simFixture, tenantDoc } from './harness.js';
import { sessionKeys, startRedis, until, type RedisProcess } from './redis-harness.js';

/**
 * Three (or N) broker replicas as separate OS processes sharing one private redis-server and one
 * kube-sim — the deployment shape, on one machine. Each replica is `replicas-broker-main.js`
 * configured from the environment (REDIS_URL, REPLICA_ID, HEARTBEAT_SECONDS=1…).
 */
export interface Replica {
  readonly id: string;
  readonly url: string;
  readonly adminUrl: string;
  readonly process: ChildProcess;
  /** Parsed JSON log lines. */
  readonly logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

export interface ReplicaCluster {
  redis: RedisProcess;
  sim: KubeSim;
  replicas: Replica[];
  tenants: readonly Tenant[];
  token(o?: { tenant?: string; sub?: string; ttlSeconds?: number; pod?: string }): string;
  connect(
    r: Replica,
    o?: { tenant?: string; sub?: string; ttlSeconds?: number; pod?: string } & ConnectOptions,
  ): Promise<TestClient>;
  admin(r: Replica, path: string, init?: RequestInit): Promise<{ status: number; body: unknown }>;
  /** One replica's resource gauges and live session count, from its /metrics. */
  gauges(r: Replica): Promise<Record<string, number>>;
  /** Waits until every live replica's gauges are 0 and Redis holds no registry key (rate counters aside). */
  waitAllIdle(timeoutMs?: number): Promise<void>;
  /** Drains every live replica (SIGTERM), then stops kube-sim and Redis. Returns the registry keys that were left (rate counters aside). */
  close(): Promise<string[]>;
}

export const HEARTBEAT_SECONDS = 1;
const MAIN = fileURLToPath(new URL('./replicas-broker-main.js', import.meta.url));

function spawnReplica(id: string, env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, POD_SHELL_REPLICA_MAIN: '1', REPLICA_ID: id },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(rec);
      if (rec['event'] === 'broker.listening') {
        resolve({
          id,
          url: `ws://127.0.0.1:${String(rec['port'])}/v1/session`,
          adminUrl: `http://127.0.0.1:${String(rec['adminPort'])}`,
          process: child,
          logs,
          exited,
        });
      }
    });
    void exited.then((code) =>
      reject(new Error(`replica ${id} exited with ${code} before listening: ${stderr.slice(-1000)}`)),
    );
  });
}

export async function startReplicaCluster(
  options: {
    replicas?: number;
    maxConcurrent?: number;
    extraTenants?: Record<string, unknown>[];
    /** Extra environment for every replica (e.g. REPLICA_LINK_SECRET). */
    env?: Record<string, string>;
  } = {},
): Promise<ReplicaCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'pod-shell-replicas-'));
  const redis = await startRedis();
  const sim = await startKubeSim({ fixtures: simFixture() });
  const replicas: Replica[] = [];
  try {
    const tenantsFile = join(dir, 'tenants.yaml');
    const main = tenantDoc({ endOrphanedShells: true, limits: { maxConcurrentSessions: options.maxConcurrent ?? 10 } });
    writeFileSync(tenantsFile, stringify({ tenants: [main, ...(options.extraTenants ?? [])] }));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, sim.kubeconfig, { mode: 0o600 });
    const tenants = loadTenantsFile(tenantsFile);
    const env = {
      ADMIN_TOKEN,
      TENANTS_FILE: tenantsFile,
      KUBECONFIG: kubeconfig,
      REDIS_URL: redis.url,
      // Redis down is detected at once (no offline queue: commands fail while disconnected), so the
      // command timeout only decides when a slow answer counts as a failure. 300 ms made a 100-connect
      // burst on a loaded 2-core CI machine fail closed (4503) where the quota test expects 4429.
      REDIS_COMMAND_TIMEOUT_MS: '2000',
      HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
      PORT: '0',
      ADMIN_PORT: '0',
      HOST: '127.0.0.1',
      IP_CONNECTS_PER_MINUTE: '0',
      EXPIRING_WARNING_SECONDS: '1',
      DRAIN_SECONDS: '5',
      LOG_LEVEL: 'info',
      ...options.env,
    };
    const ids = ['a', 'b', 'c', 'd', 'e'].slice(0, options.replicas ?? 3);
    replicas.push(...(await Promise.all(ids.map((id) => spawnReplica(`replica-${id}`, env)))));
    // A replica listens before its Redis connection is ready, and refuses connects with 4503 until it is
    // (no offline queue: fail closed). Tests start once every replica says it is ready.
    await Promise.all(
      replicas.map((r) =>
        until(
          async () =>
            (await fetch(`${r.url.replace('ws:', 'http:').replace('/v1/session', '')}/readyz`)).status === 200,
          10_000,
          `${r.id} to be ready (/readyz 200)`,
        ),
      ),
    );

    const token: ReplicaCluster['token'] = (o = {}) => {
      const tenant = tenants.find((t) => t.name === (o.tenant ?? 'test'))!;
      return mintToken({
        tenant,
        sub: o.sub ?? 'alice',
        target: { namespace: 'default', pod: o.pod ?? 'demo' },
        ttlSeconds: o.ttlSeconds ?? 600,
      });
    };
    const admin: ReplicaCluster['admin'] = async (r, path, init = {}) => {
      const res = await fetch(r.adminUrl + path, {
        ...init,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          ...(init.headers as Record<string, string> | undefined),
        },
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
    };
    const gauges: ReplicaCluster['gauges'] = async (r) => {
      const res = await fetch(`${r.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const text = await res.text();
      const out: Record<string, number> = {};
      for (const name of IDLE_ZERO_GAUGES) {
        const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
        out[name] = m ? Number(m[1]) : NaN;
      }
      return out;
    };
    const alive = (): Replica[] => replicas.filter((r) => r.process.exitCode === null && r.process.signalCode === null);
    return {
      redis,
      sim,
      replicas,
      tenants,
      token,
      connect: (r, o = {}) => TestClient.connect(r.url, { origin: TEST_ORIGIN, ...o, token: o.token ?? token(o) }),
      admin,
      gauges,
      waitAllIdle: async (timeoutMs = 10_000) => {
        let last = '';
        await until(
          async () => {
            const all = await Promise.all(alive().map(async (r) => ({ id: r.id, g: await gauges(r) })));
            const keys = await sessionKeys(redis.client());
            // Live replicas keep their heartbeat key; nothing else may remain.
            const extra = keys.filter(
              (k) => !/^ps:replica:[^:]+(:url)?$/.test(k) && k !== 'ps:replicas' && k !== 'ps:reaper:lock',
            );
            last = JSON.stringify({ gauges: all, keys: extra });
            return extra.length === 0 && all.every((x) => Object.values(x.g).every((v) => v === 0));
          },
          timeoutMs,
          'every replica idle and no session keys in Redis',
          50,
        ).catch((err: Error) => {
          throw new Error(`${err.message}: ${last}`);
        });
      },
      close: async () => {
        await Promise.all(
          alive().map(async (r) => {
            r.process.kill('SIGTERM');
            await r.exited;
          }),
        );
        const left = await sessionKeys(redis.client()).catch((err: Error) => [`(Redis unreachable: ${err.message})`]);
        await sim.close();
        await redis.stop();
        rmSync(dir, { recursive: true, force: true });
        return left;
      },
    };
  } catch (err) {
    for (const r of replicas) r.process.kill('SIGKILL');
    await sim.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * One replica cluster for a whole test file: started before the first test; after each test every
 * client the test opened through `connect` is closed and every replica is back to idle (gauges 0, no
 * registry key in Redis); after the last, the replicas drain and must leave nothing in Redis.
 */
export function useReplicaCluster(options: Parameters<typeof startReplicaCluster>[0] = {}): {
  cluster: () => ReplicaCluster;
  connect: ReplicaCluster['connect'];
} {
  let c: ReplicaCluster | undefined;
  const open: TestClient[] = [];
  const cluster = (): ReplicaCluster => {
    assert.ok(c, 'the cluster is started in before()');
    return c;
  };
  before(async () => {
    c = await startReplicaCluster(options);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => (t.closeEvent === null ? t.close() : Promise.resolve(t.closeEvent))));
    await cluster().waitAllIdle();
  });
  after(async () => {
    // Replicas that drained leave nothing in Redis: no sessions, no heartbeats, no indexes.
    if (c !== undefined) assert.deepEqual(await c.close(), []);
  });
  return {
    cluster,
    connect: async (r, o = {}) => {
      const client = await cluster().connect(r, o);
      open.push(client);
      return client;
    },
  };
}
