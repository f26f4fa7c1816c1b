import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import type { SessionStore } from './session-store.js';

export interface StoreDeps {
  logger: Logger;
  metrics?: Pick<BrokerMetrics, 'storeUp'>;
}

type StoreConfig = Pick<
  BrokerConfig,
  'redisUrl' | 'redisSentinels' | 'redisSentinelName' | 'redisCommandTimeoutMs' | 'replicaId' | 'heartbeatSeconds'
>;

/** Whether the configuration asks for the shared Redis registry (REDIS_URL, or Sentinels plus a master name). */
export function wantsRedis(config: StoreConfig): boolean {
  return config.redisUrl !== undefined || (config.redisSentinels.length > 0 && config.redisSentinelName !== undefined);
}

/**
 * Picks the session store: RedisStore when REDIS_URL (or Sentinel settings) is set, otherwise the
 * in-memory single-replica store, and says which in the log. The Redis store connects in the
 * background; until it answers, acquire fails closed (4503) and /readyz reports it.
 */
export function createStore(config: StoreConfig, deps: StoreDeps): SessionStore {
  if (!wantsRedis(config)) {
    deps.logger.info('store.memory', { note: 'REDIS_URL unset: in-memory session store, single replica only' });
    deps.metrics?.storeUp.set(1);
    return new MemoryStore();
  }
  const sentinel = config.redisSentinels.length > 0 && config.redisSentinelName !== undefined;
  deps.logger.info('store.redis', {
    mode: sentinel ? 'sentinel' : 'standalone',
    sentinels: sentinel ? config.redisSentinels.map((s) => `${s.host}:${s.port}`) : undefined,
    master: sentinel ? config.redisSentinelName : undefined,
    replica: config.replicaId,
    heartbeatSeconds: config.heartbeatSeconds,
    commandTimeoutMs: config.redisCommandTimeoutMs,
  });
  return new RedisStore({
    url: config.redisUrl,
    sentinels: config.redisSentinels,
    sentinelName: config.redisSentinelName,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    replicaId: config.replicaId,
    heartbeatSeconds: config.heartbeatSeconds,
    logger: deps.logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
}
