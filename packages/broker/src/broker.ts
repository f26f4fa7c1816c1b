import type { KubeConfig } from '@kubernetes/client-node';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Authenticator } from './auth/authorized-session.js';
import type { BrokerConfig } from './config/config.js';
import { registerDebugRoutes } from './debug/debug-routes.js';
import { ErrorCode, PodShellError } from './errors.js';
import { KubeClusters, loadKubeConfig } from './kube/kube-clusters.js';
import { endReapedShells } from './kube/shell-reaper.js';
import { createLogger, type Logger } from './log/logger.js';
import { createMetrics, type BrokerMetrics } from './metrics/metrics.js';
import { buildAdminApp } from './server/admin-server.js';
import { buildPublicApp, storeNote } from './server/public-server.js';
import { registerFileRoutes } from './files/file-routes.js';
import { routeApp } from './server/routes.js';
import type { RouteContext, RouteRegistrar } from './server/routes.js';
import { createUpgradeHandler } from './server/upgrade-handler.js';
import { AuthFailureLimiter } from './auth/auth-failure-limiter.js';
import { ReplicaRelays } from './server/replica-relay.js';
import { loadElementBundle, type ElementBundle } from './server/element-bundle.js';
import { loadUwsBuild, type Uws } from './server/uws.js';
import { BROKER_VERSION } from './version.js';
import { LeakCanary } from './session/leak-canary.js';
import { ResourceGauges } from './session/resource-gauges.js';
import { SessionManager } from './session/session-manager.js';
import { MemoryTrim } from './server/memory-trim.js';
import { ShellCleanups } from './session/shell-cleanups.js';
import { MemoryStore } from './store/memory-store.js';
import type { SessionStore } from './store/session-store.js';
import { StoreSubscriptions } from './store/store-subscriptions.js';
import { TransferRegistry } from './files/file-transfer.js';
import type { TenantLookup } from './tenants/tenant-registry.js';

/** What `startBroker` may be given instead of building it from the config. */
export interface BrokerDeps {
  /** Verifies upgrade tokens (src/auth/authenticator.ts `createAuthenticator`). Required. */
  authenticator: Authenticator;
  /**
   * The session store; default MemoryStore (single replica). The CLI passes `createStore(config)`.
   * Whoever creates the store closes it: the broker closes only the MemoryStore it made itself.
   */
  store?: SessionStore;
  /** Kubernetes credentials; default loaded from KUBECONFIG / in-cluster. */
  kubeConfig?: KubeConfig;
  logger?: Logger;
  metrics?: BrokerMetrics;
  /** Demo routes on the public port (src/demo/demo-routes.ts `registerDemoRoutes`), only with DEMO_MODE. */
  demoRoutes?: RouteRegistrar;
  /** Debug endpoints on the admin port; default src/debug/ `registerDebugRoutes` (sessions, resources, heap, profile). */
  debugRoutes?: RouteRegistrar;
  /** Extra admin-port routes, after the built-in /admin/* API. */
  adminRoutes?: RouteRegistrar;
  /** Tenant lookup by name: lets this replica end the remote shells of sessions reaped from a dead replica; its tenants' allowedOrigins get CORS on the element bundle. */
  tenants?: TenantLookup;
  /** The <pod-shell> bundle to serve; default @pod-shell/element/pod-shell.js when installed. */
  elementBundle?: ElementBundle;
  /** True while audit lines cannot be written fast enough: new sessions are refused (PS_ERR_AUDIT_BACKLOG). The CLI passes its LogOutput's. */
  auditBacklogged?: () => boolean;
  /** Leak canary check period (tests shorten it); default min(5 s, LEAK_WINDOW_SECONDS/4). */
  leakCheckPeriodMs?: number;
}

export interface Broker {
  /** The public port actually bound. */
  readonly port: number;
  readonly adminPort: number;
  readonly metrics: BrokerMetrics;
  readonly gauges: ResourceGauges;
  readonly sessions: SessionManager;
  readonly store: SessionStore;
  readonly logger: Logger;
  isDraining(): boolean;
  /**
   * Graceful drain: /readyz fails, the public listen socket closes, every session gets `closing` +
   * 4503 and is disposed, then the admin port closes, its store subscriptions are released, and the
   * store closes if the broker created it (a store passed in `deps.store` stays open for its owner). Resolves when every upstream
   * socket is gone or DRAIN_SECONDS (minus a margin) passed. Idempotent.
   */
  drain(): Promise<void>;
  /** Same as drain (a broker has one way to stop). */
  close(): Promise<void>;
}

/** Time given to queued close frames after the last session was disposed (see drain). */
const DRAIN_FLUSH_MS = 250;

function listen(uws: Uws, app: TemplatedApp, host: string, port: number, what: string): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket === false)
        reject(
          new PodShellError(
            ErrorCode.CONFIG_INVALID,
            `cannot listen on ${host}:${port} (${what}); is the port in use?`,
          ),
        );
      else resolve(socket);
    });
  });
}

/** Polls `done` until true or the deadline (used only where no event exists: sockets closing elsewhere). */
async function waitFor(done: () => boolean, deadline: number): Promise<boolean> {
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Starts the public and admin servers. Throws PodShellError (NATIVE_ADDON_MISSING, CONFIG_INVALID…). */
export async function startBroker(config: BrokerConfig, deps: BrokerDeps): Promise<Broker> {
  const { uws, build } = loadUwsBuild();
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const metrics = deps.metrics ?? createMetrics();
  metrics.buildInfo.labels({ version: BROKER_VERSION, node: process.versions.node, uws: build.version }).set(1);
  const gauges = new ResourceGauges(metrics);
  const store = deps.store ?? new MemoryStore();
  const ownsStore = deps.store === undefined;
  if (store.kind === 'memory') logger.info('store.memory', { note: storeNote('memory') });
  metrics.storeUp.set(store.isUp() ? 1 : 0);
  const clusters = new KubeClusters(deps.kubeConfig ?? loadKubeConfig(config.kubeconfig));
  let draining = false;

  const cleanups = new ShellCleanups(gauges);
  const subscriptions = new StoreSubscriptions(gauges);
  const sessions = new SessionManager({
    config,
    logger,
    metrics,
    gauges,
    store,
    authenticator: deps.authenticator,
    clusters,
    cleanups,
    auditBacklogged: deps.auditBacklogged ?? (() => false),
  });
  sessions.listen();
  const stopListening = subscriptions.hold(() => sessions.stopListening());
  // A dead replica cannot hang up its sessions' shells; the replica that reaps them does (threat 19).
  const tenants = deps.tenants;
  const shared: SessionStore = store;
  const stopReaped =
    tenants !== undefined && shared.onReaped !== undefined
      ? subscriptions.hold(
          shared.onReaped(
            (records) =>
              void endReapedShells(records, {
                tenants,
                clusters,
                logger,
                metrics,
                cleanups,
                timeoutMs: config.upgradeTimeoutMs,
              }),
          ),
        )
      : undefined;
  const authFailures = new AuthFailureLimiter({
    perIp: config.authFailuresPerMinutePerIp,
    perTenant: config.authFailuresPerMinutePerTenant,
  });
  const transfers = new TransferRegistry({ logger, metrics, gauges });
  const ctx: RouteContext = {
    config,
    logger,
    metrics,
    gauges,
    store,
    sessions,
    authenticator: deps.authenticator,
    authFailures,
    transfers,
    isDraining: () => draining,
  };

  const publicApp = uws.App();
  const relays = new ReplicaRelays({ config, store, logger, metrics });
  const upgrade = createUpgradeHandler({
    config,
    logger,
    metrics,
    authenticator: deps.authenticator,
    authFailures,
    sessions,
    relays,
    isDraining: () => draining,
  });
  const element = deps.elementBundle ?? loadElementBundle();
  if (element === undefined)
    logger.warn('element.bundle_missing', { note: '@pod-shell/element is not built: /pod-shell.js answers 404' });
  const elementOrigins = (): ReadonlySet<string> =>
    new Set((deps.tenants?.current?.() ?? []).flatMap((t) => t.allowedOrigins));
  buildPublicApp(uws, publicApp, ctx, gauges, upgrade, deps.demoRoutes, logger, {
    bundle: element,
    allowedOrigins: elementOrigins,
  });
  registerFileRoutes(routeApp(publicApp, logger), { ...ctx, clusters, transfers, allowedOrigins: elementOrigins });
  const adminApp = uws.App();
  buildAdminApp(adminApp, ctx, {
    debugRoutes: deps.debugRoutes ?? registerDebugRoutes,
    ...(deps.adminRoutes ? { adminRoutes: deps.adminRoutes } : {}),
  });

  let publicSocket: us_listen_socket | null = null;
  let adminSocket: us_listen_socket | null;
  try {
    publicSocket = await listen(uws, publicApp, config.host, config.port, 'PORT');
    adminSocket = await listen(uws, adminApp, config.adminHost, config.adminPort, 'ADMIN_PORT');
  } catch (err) {
    // Not started: release everything made so far, so the caller's store and process are as before.
    if (publicSocket !== null) uws.us_listen_socket_close(publicSocket);
    subscriptions.releaseAll();
    if (ownsStore) await store.close();
    throw err;
  }
  const port = uws.us_socket_local_port(publicSocket);
  const adminPort = uws.us_socket_local_port(adminSocket);

  // Other replicas reach this one here for resumes of the sessions it holds (replica-relay.ts).
  if (config.replicaLinkSecret !== undefined && shared.advertise !== undefined)
    shared.advertise(
      config.replicaLinkUrl ??
        `ws://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`,
    );
  const canary = new LeakCanary(gauges, () => sessions.size, metrics, logger, config.leakWindowSeconds * 1000);
  canary.start(deps.leakCheckPeriodMs);
  const trim = new MemoryTrim({
    afterSessions: config.memoryTrimAfterSessions,
    settleMs: config.memoryTrimSettleMs,
    liveSessions: () => sessions.size,
    heldResources: () => Object.values(gauges.snapshot()).reduce((a, b) => a + b, 0),
    logger,
  });
  trim.start();
  const storeProbe = setInterval(() => metrics.storeUp.set(store.isUp() ? 1 : 0), 1000);
  storeProbe.unref();

  logger.info('broker.listening', {
    port,
    adminPort,
    sessionPath: config.sessionPath,
    store: store.kind,
    storeNote: storeNote(store.kind),
    replica: config.replicaId,
    version: BROKER_VERSION,
    node: process.versions.node,
    uws: build.version,
  });

  let drained: Promise<void> | null = null;
  const drain = (): Promise<void> => {
    drained ??= (async () => {
      draining = true;
      metrics.draining.set(1);
      const deadline = Date.now() + Math.max(500, config.drainSeconds * 1000 - 1000);
      if (publicSocket !== null) {
        uws.us_listen_socket_close(publicSocket);
        publicSocket = null;
      }
      const n = sessions.drainAll();
      transfers.cancelAll();
      const relayed = relays.closeAll();
      logger.info('broker.draining', { sessions: n, relayed });
      stopListening();
      // Sessions still connecting end when their upgrade resumes; upstream sockets close on their own events.
      const clean = await waitFor(() => sessions.size === 0 && gauges.allZero(), deadline);
      if (!clean) logger.warn('broker.drain_incomplete', { liveSessions: sessions.size, gauges: gauges.snapshotAll() });
      // uWS has queued the closing frames and close frames but offers no "flushed" event: give the
      // kernel a moment to send them before the process may exit (else a client sees 1006).
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(DRAIN_FLUSH_MS, deadline - Date.now()))));
      canary.stop();
      trim.stop();
      clearInterval(storeProbe);
      if (adminSocket !== null) {
        uws.us_listen_socket_close(adminSocket);
        adminSocket = null;
      }
      stopReaped?.();
      subscriptions.releaseAll();
      // Sessions ended by the drain hang up their remote shells (threat 19): let those execs finish.
      await cleanups.settle(Math.max(1000, deadline - Date.now()));
      if (ownsStore) await store.close().catch((err: unknown) => logger.warn('broker.store_close_failed', { err }));
      logger.info('broker.stopped', { clean });
    })();
    return drained;
  };

  return {
    port,
    adminPort,
    metrics,
    gauges,
    sessions,
    store,
    logger,
    isDraining: () => draining,
    drain,
    close: drain,
  };
}
