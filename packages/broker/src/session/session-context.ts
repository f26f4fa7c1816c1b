import type { Authenticator } from '../auth/authorized-session.js';
import type { BrokerConfig } from '../config/config.js';
import type { KubeClusters } from '../kube/kube-clusters.js';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import type { SessionStore } from '../store/session-store.js';
import type { ResourceGauges } from './resource-gauges.js';
import type { ShellCleanups } from './shell-cleanups.js';

/**
 * The slice of a uWS WebSocket a session uses. Valid from `open` until its `close` handler ran;
 * the session never calls it afterwards.
 */
export interface ClientSocket {
  send(message: Uint8Array, isBinary?: boolean, compress?: boolean): number;
  getBufferedAmount(): number;
  end(code?: number, shortMessage?: string): void;
  cork(cb: () => void): unknown;
}

/** uWS `send` results. */
export const SEND_DROPPED = 2;

/** Everything a session needs from the broker, shared by all sessions. */
export interface SessionContext {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
  readonly gauges: ResourceGauges;
  readonly store: SessionStore;
  readonly authenticator: Authenticator;
  readonly clusters: KubeClusters;
  /** Owns the cleanup execs that hang up a session's shell after the session ended (threat 19). */
  readonly cleanups: ShellCleanups;
  /** True while the audit trail cannot keep up: no new session may start (its audit lines would have nowhere to go). */
  auditBacklogged(): boolean;
  /** Called once, at the end of dispose, so the manager forgets the session. */
  onDisposed(sessionId: string): void;
}
