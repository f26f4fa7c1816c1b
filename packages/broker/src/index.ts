/** @pod-shell/broker: the broker as a library (the CLI is `pod-shell-broker`). */
export { startBroker, type Broker, type BrokerDeps } from './broker.js';
export { loadConfig, type BrokerConfig } from './config/config.js';
export { createAuthenticator } from './auth/authenticator.js';
export type { Authenticator, AuthorizedSession, UpgradeCredentials } from './auth/authorized-session.js';
export { createTenantRegistry } from './tenants/tenant-registry.js';
export type { Tenant } from './tenants/tenant.js';
export { mintToken } from './auth/token-mint.js';
export { createMetrics, IDLE_ZERO_GAUGES, type BrokerMetrics } from './metrics/metrics.js';
export { createLogger, type Logger } from './log/logger.js';
export { MemoryStore } from './store/memory-store.js';
export { createStore } from './store/create-store.js';
export type { SessionStore, SessionRecord, ControlCommand } from './store/session-store.js';
export { PodShellError, ErrorCode, errorCatalog } from './errors.js';
export type { RouteApp, RouteContext, RouteRegistrar } from './server/routes.js';
export { isNativeUws, loadUws } from './server/uws.js';
export { createDemoRoutes, registerDemoRoutes, type DemoRouteOptions } from './demo/demo-routes.js';
