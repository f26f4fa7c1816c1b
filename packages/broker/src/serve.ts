import { createAuthenticator } from './auth/authenticator.js';
import { startBroker } from './broker.js';
import type { BrokerConfig } from './config/config.js';
import { createDemoRoutes } from './demo/demo-routes.js';
import { registerDebugRoutes } from './debug/debug-routes.js';
import { startHeapSampling } from './debug/pprof-profiles.js';
import { LogOutput } from './log/log-output.js';
import { createLogger } from './log/logger.js';
import { createMetrics } from './metrics/metrics.js';
import { createStore } from './store/create-store.js';
import { createTenantRegistry } from './tenants/tenant-registry.js';

/**
 * `pod-shell-broker serve` once the configuration is parsed and V8's heap settings are applied
 * (cli.ts): loads the tenants file (watched for changes), picks the session store (Redis when
 * REDIS_URL is set, else memory), and starts the broker. SIGTERM/SIGINT drain: /readyz fails, the
 * listen socket closes, every client gets `closing` + 4503, everything is disposed, and the process
 * exits 0 before DRAIN_SECONDS. `setFlush` receives what flushes the log output before the exit.
 */
export async function serve(config: BrokerConfig, setFlush: (flush: () => Promise<void>) => void): Promise<number> {
  const metrics = createMetrics();
  // Before anything allocates: the heap profile only sees allocations made while sampling runs.
  startHeapSampling(config.pprofHeapIntervalBytes);
  const out = new LogOutput({
    auditLogFile: config.auditLogFile,
    auditBacklogBytes: config.auditBacklogBytes,
    metrics,
  });
  setFlush(() => out.flush());
  const logger = createLogger({
    level: config.logLevel,
    base: { replica: config.replicaId },
    sink: out.log,
    auditSink: out.audit,
  });
  const tenants = createTenantRegistry({ file: config.tenantsFile, logger });
  const authenticator = createAuthenticator({ tenants, config });
  const store = createStore(config, { logger, metrics });
  const broker = await startBroker(config, {
    authenticator,
    store,
    tenants,
    logger,
    metrics,
    auditBacklogged: () => out.auditBacklogged(),
    debugRoutes: registerDebugRoutes,
    ...(config.demoMode ? { demoRoutes: createDemoRoutes({ tenants }) } : {}),
  });
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info('broker.signal', { signal, drainSeconds: config.drainSeconds });
      // The hard deadline: exit even if something refuses to close.
      const hard = setTimeout(() => {
        logger.error('broker.drain_deadline', { drainSeconds: config.drainSeconds });
        resolve(1);
      }, config.drainSeconds * 1000);
      hard.unref();
      broker
        .drain()
        .then(() => store.close().catch((err: unknown) => logger.warn('broker.store_close_failed', { err })))
        .then(() => {
          tenants.close();
          clearTimeout(hard);
          resolve(0);
        })
        .catch((err: unknown) => {
          logger.error('broker.drain_failed', { err });
          resolve(1);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
