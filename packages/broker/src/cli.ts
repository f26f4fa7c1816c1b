#!/usr/bin/env node
import { createAuthenticator } from './auth/authenticator.js';
import { startBroker } from './broker.js';
import { runTokenCommand } from './cli/token-command.js';
import { loadConfig } from './config/config.js';
import { createDemoRoutes } from './demo/demo-routes.js';
import { registerDebugRoutes } from './debug/debug-routes.js';
import { PodShellError } from './errors.js';
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
/** The most log output held in memory while stdout cannot take it; beyond it lines are dropped (and counted). */
const MAX_PENDING_LOG_BYTES = 4 * 1024 * 1024;

/**
 * Log sink for the process: stdout in non-blocking mode. Node makes stdout pipes synchronous on
 * Linux, so a slow log reader (a busy parent, a stalled collector) would block the event loop inside
 * write(2), and every session would stall with it. Lines wait in memory instead, up to MAX_PENDING_LOG_BYTES; past that they are dropped
 * and the number dropped is reported with the next line that fits.
 */
function stdoutSink(): (line: string) => void {
  const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle;
  handle?.setBlocking?.(false);
  let dropped = 0;
  return (line) => {
    if (process.stdout.writableLength > MAX_PENDING_LOG_BYTES) {
      dropped++;
      return;
    }
    if (dropped > 0) {
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'warn', event: 'log.dropped', lines: dropped })}\n`);
      dropped = 0;
    }
    process.stdout.write(`${line}\n`);
  };
}

/** Exits once pending log lines reached stdout (bounded by the drain deadline's own timer). */
function flushThenExit(code: number): void {
  if (process.stdout.writableLength === 0) process.exit(code);
  process.stdout.write('', () => process.exit(code));
  setTimeout(() => process.exit(code), 2000).unref();
}

async function serve(): Promise<number> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel, base: { replica: config.replicaId }, sink: stdoutSink() });
  const metrics = createMetrics();
  const tenants = createTenantRegistry({ file: config.tenantsFile, logger });
  const authenticator = createAuthenticator({ tenants, config });
  const store = createStore(config, { logger, metrics });
  const broker = await startBroker(config, {
    authenticator,
    store,
    tenants,
    logger,
    metrics,
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
