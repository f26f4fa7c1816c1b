import { createLogger } from '../log/logger.js';
import { RedisStore } from '../store/redis-store.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';
import { sessionKeys, startRedis, type RedisProcess } from './redis-harness.js';

/**
 * A broker harness on either session store: the in-memory one, or a RedisStore on a private
 * redis-server (tests that must hold for both run once per kind). REPLICA_ID is the store's own:
 * sessions registered under another replica's name would be reaped, that replica having no heartbeat.
 * A generous command timeout: these tests are about locks and limits, not about a slow Redis.
 */
export interface StoreHarness {
  h: Harness;
  redis: RedisProcess | null;
  /** Registry keys left in Redis (replica heartbeats aside); [] for the memory store. */
  leftKeys(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startStoreHarness(
  kind: 'memory' | 'redis',
  replicaId: string,
  options: HarnessOptions = {},
): Promise<StoreHarness> {
  let redis: RedisProcess | null = null;
  let store: RedisStore | undefined;
  if (kind === 'redis') {
    redis = await startRedis();
    store = new RedisStore({
      url: redis.url,
      commandTimeoutMs: 2000,
      replicaId,
      heartbeatSeconds: 1,
      logger: createLogger({ level: 'error' }),
    });
    await store.connected();
  }
  const h = await startHarness({
    ...options,
    env: { REPLICA_ID: replicaId, ...options.env },
    deps: { ...options.deps, ...(store !== undefined ? { store } : {}) },
  });
  return {
    h,
    redis,
    // The replica's heartbeat keys and the fleet's reaper lock (held for the moment of a reap pass) are
    // the broker's own, not a session's: what is left besides them is a leak.
    leftKeys: async () =>
      redis === null
        ? []
        : (await sessionKeys(redis.client())).filter((k) => !k.startsWith('ps:replica') && k !== 'ps:reaper:lock'),
    close: async () => {
      await h.close();
      // The broker closes only a store it created (drain); this one is ours.
      await store?.close();
      await redis?.stop();
    },
  };
}
