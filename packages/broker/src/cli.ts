#!/usr/bin/env node
import { createAuthenticator } from './auth/authenticator.js';
import { startBroker } from './broker.js';
import { runTokenCommand } from './cli/token-command.js';
import { loadConfig } from './config/config.js';
import { createDemoRoutes } from './demo/demo-routes.js';
import { registerDebugRoutes } from './debug/debug-routes.js';
import { startHeapSampling } from './debug/pprof-profiles.js';
import { PodShellError } from './errors.js';
import { applyHeapGrowingPercent } from './server/heap-growth.js';
import { LogOutput } from './log/log-output.js';
import { createLogger } from './log/logger.js';
import { createMetrics } from './metrics/metrics.js';
import { createStore } from './store/create-store.js';
import { createTenantRegistry } from './tenants/tenant-registry.js';

const USAGE = `Usage: pod-shell-broker [serve]     run the broker (configuration from the environment, see docs/operations.md)
       pod-shell-broker token …     print a signed token (pod-shell-broker token --help)`;

/**
 * `pod-shell-broker serve` (the default): parses the configuration once, loads the tenants file
 * (watched for changes), picks the session store (Redis when REDIS_URL is set, else memory), and
 * starts the broker. SIGTERM/SIGINT drain: /readyz fails, the listen socket closes, every client
 * gets `closing` + 4503, everything is disposed, and the process exits 0 before DRAIN_SECONDS.
 */
/** The process's log output (stdout, and AUDIT_LOG_FILE for audit lines when set); flushed before exit. */
let output: LogOutput | null = null;

/** Exits once pending log lines reached stdout and the audit file (bounded by its own timer). */
function flushThenExit(code: number): void {
  setTimeout(() => process.exit(code), 2000).unref();
  void (output?.flush() ?? Promise.resolve()).then(() => process.exit(code));
}

async function serve(): Promise<number> {
  const config = loadConfig(process.env);
  applyHeapGrowingPercent(config.heapGrowingPercent);
  const metrics = createMetrics();
  // Before anything allocates: the heap profile only sees allocations made while sampling runs.
  startHeapSampling(config.pprofHeapIntervalBytes);
  output = new LogOutput({ auditLogFile: config.auditLogFile, auditBacklogBytes: config.auditBacklogBytes, metrics });
  const out = output;
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

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'token') return runTokenCommand(rest);
  if (command === 'serve') return serve();
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  process.stderr.write(`unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => flushThenExit(code),
  (err: unknown) => {
    const message = err instanceof PodShellError ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err);
    process.stderr.write(`pod-shell-broker: ${message}\n`);
    process.exit(err instanceof PodShellError && err.code === 'PS_ERR_CONFIG_INVALID' ? 2 : 1);
  },
);
