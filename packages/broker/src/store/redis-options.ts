import type { RedisOptions } from 'ioredis';
import type { RedisStoreOptions } from './redis-store.js';

/** Builds the ioredis options: fail fast (no offline queue, one retry, short timeouts), reconnect forever with capped backoff. */
export function redisConnectionOptions(o: RedisStoreOptions): { url: string | undefined; options: RedisOptions } {
  const options: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: o.commandTimeoutMs,
    connectTimeout: Math.max(o.commandTimeoutMs, 1000),
    // Capped, jittered backoff: a restarted Redis is found again within about a second.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000) + Math.floor(Math.random() * 100),
    connectionName: `pod-shell:${o.replicaId}`,
    lazyConnect: false,
  };
  if (o.sentinels && o.sentinels.length > 0 && o.sentinelName) {
    options.sentinels = o.sentinels.map((s) => ({ host: s.host, port: s.port }));
    options.name = o.sentinelName;
    options.sentinelRetryStrategy = options.retryStrategy;
    if (o.url) {
      const u = new URL(o.url);
      if (u.username) options.username = decodeURIComponent(u.username);
      if (u.password) options.password = decodeURIComponent(u.password);
      const db = u.pathname.replace(/^\//, '');
      if (db) options.db = Number(db);
      if (u.protocol === 'rediss:') options.tls = {};
    }
    return { url: undefined, options };
  }
  return { url: o.url, options };
}
