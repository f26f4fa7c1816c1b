import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createLogger } from '../log/logger.js';
import { RedisStore } from '../store/redis-store.js';
import type { SessionRecord } from '../store/session-store.js';
import { sessionRecord } from './session-records.js';

/**
 * What the shared Redis spends per session lifecycle (one acquire + one release) while one tenant holds
 * `held` concurrent sessions: the store benchmark (bench/redis-store-scale.mjs) and its regression test
 * (redis-store-scale.test.ts) both use it. Drives RedisStore directly — no broker, no kube-sim.
 */
export interface LifecycleCost {
  held: number;
  lifecycles: number;
  /** Redis commands per lifecycle: the scripts' inner commands plus the script calls themselves. */
  commandsPerLifecycle: number;
  /** EXISTS calls per lifecycle (the old prune's per-entry walk showed up here, ~`held` of them). */
  existsPerLifecycle: number;
  /** Redis process CPU (user + sys, INFO cpu) per lifecycle, in microseconds. */
  redisCpuUsPerLifecycle: number;
  /** Lifecycles per second the churn phase reached from this one client process. */
  lifecyclesPerSecond: number;
  /** Acquires per second while filling to `held`. */
  fillPerSecond: number;
  /** Redis `used_memory` added per held session (after the fill, against before it). */
  redisBytesPerSession: number;
  /** Every command Redis ran during the churn phase, by name → calls. */
  calls: Record<string, number>;
}

export interface ScaleOptions {
  url: string;
  /** Concurrent sessions of the one tenant while the lifecycles are measured. */
  held: number;
  /** Lifecycles measured at that size (acquire a new session, release the oldest). */
  lifecycles: number;
  /** Replicas (RedisStore instances, one connection each) sharing the work. Default 4. */
  replicas?: number;
  /** Requests in flight at once. Default 64. */
  concurrency?: number;
  /** Heartbeat period of the stores: 5 (the default) counts heartbeats, reaps and audit steps too. */
  heartbeatSeconds?: number;
}

const logger = createLogger({ level: 'error' });

function record(tenant: string, replica: string): SessionRecord {
  return sessionRecord(tenant, replica, { subject: 'load', expiresAt: Date.now() + 3_600_000 });
}

/** INFO commandstats as name → calls. */
export async function commandCalls(admin: Redis): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

async function usedMemory(admin: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1] ?? 0);
}

async function redisCpuSeconds(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const get = (k: string): number => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return get('used_cpu_user') + get('used_cpu_sys');
}

/** Runs `n` tasks with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

/** Commands that are the measurement's own, not the store's. */
const OWN = new Set([
  'info',
  'config|resetstat',
  'config',
  'evalsha',
  'eval',
  'script|load',
  'client|setinfo',
  'select',
  'subscribe',
  'ping',
  'info|cpu',
]);

export async function measureLifecycles(admin: Redis, o: ScaleOptions): Promise<LifecycleCost> {
  const tenant = `scale-${o.held}-${randomBytes(3).toString('hex')}`;
  const stores = Array.from(
    { length: o.replicas ?? 4 },
    (_, i) =>
      new RedisStore({
        url: o.url,
        commandTimeoutMs: 5000,
        replicaId: `${tenant}-r${i}`,
        heartbeatSeconds: o.heartbeatSeconds ?? 5,
        logger,
      }),
  );
  const concurrency = o.concurrency ?? 64;
  try {
    await Promise.all(stores.map((s) => s.connected()));
    const held: SessionRecord[] = [];
    const acquire = async (i: number): Promise<void> => {
      const rec = record(tenant, `${tenant}-r${i % stores.length}`);
      const res = await stores[i % stores.length]!.acquire({
        record: rec,
        maxConcurrent: o.held + o.lifecycles + concurrency,
        tenantConnectsPerMinute: 0,
        ipConnectsPerMinute: 0,
      });
      if (!res.ok) throw new Error(`acquire refused: ${res.message}`);
      held.push(rec);
    };
    const storeOf = (rec: SessionRecord): RedisStore =>
      stores[Number(rec.replica.slice(rec.replica.lastIndexOf('-r') + 2))]!;
    const release = (rec: SessionRecord): Promise<void> => storeOf(rec).release(rec.tenant, rec.id);

    const mem0 = await usedMemory(admin);
    let t0 = process.hrtime.bigint();
    await pool(o.held, concurrency, acquire);
    const fillSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const redisBytesPerSession = ((await usedMemory(admin)) - mem0) / o.held;

    await admin.config('RESETSTAT');
    const cpu0 = await redisCpuSeconds(admin);
    t0 = process.hrtime.bigint();
    await pool(o.lifecycles, concurrency, async (i) => {
      await acquire(i);
      await release(held.shift()!);
    });
    const churnSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = await redisCpuSeconds(admin);
    const calls = await commandCalls(admin);

    await pool(held.length, concurrency, async () => release(held.shift()!));
    const store = Object.entries(calls).filter(([name]) => !OWN.has(name));
    const scripts = (calls['evalsha'] ?? 0) + (calls['eval'] ?? 0);
    const per = (x: number): number => x / o.lifecycles;
    return {
      held: o.held,
      lifecycles: o.lifecycles,
      commandsPerLifecycle: per(store.reduce((a, [, c]) => a + c, 0) + scripts),
      existsPerLifecycle: per(calls['exists'] ?? 0),
      redisCpuUsPerLifecycle: per((cpu1 - cpu0) * 1e6),
      lifecyclesPerSecond: o.lifecycles / churnSeconds,
      fillPerSecond: o.held / fillSeconds,
      redisBytesPerSession,
      calls,
    };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}
