import { createAuthenticator } from '../auth/authenticator.js';
import { startBroker } from '../broker.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { createStore } from '../store/create-store.js';
import { staticTenants } from '../tenants/tenant-registry.js';
import { loadTenantsFile } from '../tenants/tenants-file.js';

/**
 * One broker replica as its own OS process, for the multi-replica tests (so `kill -9` is real):
 * configured from the environment exactly like a deployment (REDIS_URL, REPLICA_ID, HEARTBEAT_SECONDS…),
 * with the Redis store from createStore. Logs JSON lines on stdout; the parent reads the ports from
 * the `broker.listening` line. SIGTERM drains and exits 0.
 *
 * Inert unless POD_SHELL_REPLICA_MAIN=1: `node --test dist/` also loads every file under test/.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel, base: { replica: config.replicaId } });
  const metrics = createMetrics();
  const store = createStore(config, { logger, metrics });
  const tenants = staticTenants(loadTenantsFile(config.tenantsFile));
  const authenticator = createAuthenticator({ tenants, config });
  const broker = await startBroker(config, { authenticator, store, tenants, logger, metrics, leakCheckPeriodMs: 200 });
  process.once('SIGTERM', () => {
    void broker
      .drain()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

if (process.env['POD_SHELL_REPLICA_MAIN'] === '1') {
  main().catch((err: unknown) => {
    process.stderr.write(`replica failed to start: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  });
}
