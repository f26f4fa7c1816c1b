import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the broker exports, in one place. Prefix `podshell_`; no per-session labels; tenant
 * labels nowhere (unbounded). One gauge per resource kind a session owns: the leak canary compares
 * them with `podshell_sessions_active`, and tests assert they all return to zero.
 */
export interface BrokerMetrics {
  readonly registry: Registry;
  readonly sessionsActive: Gauge;
  readonly sessionsStarted: Counter;
  readonly sessionsEnded: Counter<'reason'>;
  readonly sessionDuration: Histogram;
  readonly connectSeconds: Histogram;
  readonly connectsInFlight: Gauge;
  readonly bytes: Counter<'direction'>;
  readonly authFailures: Counter<'reason'>;
  readonly backpressurePauses: Counter;
  readonly resizesDropped: Counter;
  readonly refreshesRefused: Counter;
  readonly authThrottled: Counter<'scope'>;
  readonly clientSockets: Gauge;
  readonly upstreamSockets: Gauge;
  readonly resizeHandlers: Gauge;
  readonly sessionTimers: Gauge;
  readonly leakSuspected: Gauge;
  readonly storeUp: Gauge;
  readonly orphanCleanupFailures: Counter;
  readonly debugContainers: Counter<'tenant' | 'outcome'>;
  readonly buildInfo: Gauge<'version' | 'node' | 'uws'>;
  readonly draining: Gauge;
  readonly sessionsConnecting: Gauge;
  readonly shellCleanups: Gauge;
  readonly storeSubscriptions: Gauge;
  readonly logLinesDropped: Counter;
  readonly auditBacklogBytes: Gauge;
  readonly fileTransfers: Gauge;
  readonly fileTransfersTotal: Counter<'direction' | 'outcome'>;
  readonly fileTransferBytes: Counter<'direction'>;
  readonly fileTransferSeconds: Histogram<'direction'>;
  readonly sessionsInGrace: Gauge;
  readonly replicaLinks: Gauge;
  readonly resumes: Counter<'outcome'>;
  readonly resumeReplayedBytes: Counter;
  readonly observers: Gauge;
  readonly observersDropped: Counter<'reason'>;
}

/** Names of the per-session resource gauges, in the order /debug/resources prints them. */
export const RESOURCE_GAUGES = ['clientSockets', 'upstreamSockets', 'resizeHandlers', 'sessionTimers'] as const;
export type ResourceKind = (typeof RESOURCE_GAUGES)[number];

/**
 * Work that outlives no owner but is not bounded per live session: a session between its creation and
 * its start or dispose, and the orphaned-shell cleanup execs that run after a session ended. Both
 * must be back at 0 when the broker is idle (tests and drain wait for it), but the leak canary does
 * not compare them with the live session count (a cleanup runs after its session is gone). File
 * transfers (`/v1/files`) are not sessions either: each holds at most one exec at a time until it ended
 * and, for an upload, its partial files are removed. A session in its resume grace period (client gone,
 * shell kept) is counted too, and so is a client this replica relays to the replica holding its session
 * (replica-relay.ts), and a read-only observer of a session (session/observers.ts): an idle broker holds none.
 */
export const ENDING_GAUGES = [
  'sessionsConnecting',
  'shellCleanups',
  'fileTransfers',
  'sessionsInGrace',
  'replicaLinks',
  'observers',
] as const;
/** Held for the broker's whole life (its store subscriptions): 0 only once it has stopped, or when it failed to start. */
export const BROKER_GAUGES = ['storeSubscriptions'] as const;
export type GaugeKind = ResourceKind | (typeof ENDING_GAUGES)[number] | (typeof BROKER_GAUGES)[number];

/** The Prometheus names of the gauges that count what sessions hold (and of the live sessions themselves). */
export const GAUGE_NAMES: Readonly<Record<GaugeKind | 'sessionsActive' | 'connectsInFlight', string>> = Object.freeze({
  sessionsActive: 'podshell_sessions_active',
  connectsInFlight: 'podshell_connects_in_flight',
  clientSockets: 'podshell_client_sockets',
  upstreamSockets: 'podshell_upstream_sockets',
  resizeHandlers: 'podshell_resize_handlers',
  sessionTimers: 'podshell_session_timers',
  sessionsConnecting: 'podshell_sessions_connecting',
  shellCleanups: 'podshell_shell_cleanups_in_flight',
  fileTransfers: 'podshell_file_transfers_in_flight',
  sessionsInGrace: 'podshell_sessions_in_grace',
  replicaLinks: 'podshell_replica_links',
  observers: 'podshell_observers',
  storeSubscriptions: 'podshell_store_subscriptions',
});

/**
 * The gauges that are 0 on a broker holding no session: live and connecting sessions, every
 * per-session resource and every ending (cleanups, transfers, grace, relays, observers). What a load
 * test asserts after its run ("a closed session leaves nothing behind"); the store subscriptions are
 * not in it (held for the broker's whole life).
 */
export const IDLE_ZERO_GAUGES: readonly string[] = Object.freeze([
  GAUGE_NAMES.sessionsActive,
  GAUGE_NAMES.connectsInFlight,
  ...RESOURCE_GAUGES.map((k) => GAUGE_NAMES[k]),
  ...ENDING_GAUGES.map((k) => GAUGE_NAMES[k]),
]);

/** Creates a fresh registry with all broker metrics (one per broker instance, so tests can run several). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): BrokerMetrics {
  const registry = new Registry();
  // Node's standard process metrics keep their usual names (process_*, nodejs_*), so stock Node.js
  // dashboards and alerts work unchanged; everything the broker itself defines is podshell_*.
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    sessionsActive: new Gauge({
      name: GAUGE_NAMES.sessionsActive,
      help: 'Sessions currently open on this replica.',
      registers: r,
    }),
    sessionsStarted: new Counter({
      name: 'podshell_sessions_started_total',
      help: 'Sessions that passed authentication and opened upstream.',
      registers: r,
    }),
    sessionsEnded: new Counter({
      name: 'podshell_sessions_ended_total',
      help: 'Sessions ended, by close reason.',
      labelNames: ['reason'],
      registers: r,
    }),
    sessionDuration: new Histogram({
      name: 'podshell_session_duration_seconds',
      help: 'How long sessions lasted.',
      buckets: [1, 10, 60, 300, 900, 1800, 3600, 7200, 14400],
      registers: r,
    }),
    connectSeconds: new Histogram({
      name: 'podshell_connect_seconds',
      help: 'Time from upgrade request to an open upstream exec stream.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
    connectsInFlight: new Gauge({
      name: GAUGE_NAMES.connectsInFlight,
      help: 'Upgrades being authenticated or connecting upstream.',
      registers: r,
    }),
    bytes: new Counter({
      name: 'podshell_bytes_total',
      help: 'Payload bytes relayed, by direction (stdin, stdout).',
      labelNames: ['direction'],
      registers: r,
    }),
    authFailures: new Counter({
      name: 'podshell_auth_failures_total',
      help: 'Refused upgrades, by reason.',
      labelNames: ['reason'],
      registers: r,
    }),
    backpressurePauses: new Counter({
      name: 'podshell_backpressure_pauses_total',
      help: 'Times the upstream was paused because a client fell behind or asked for flow control.',
      registers: r,
    }),
    resizesDropped: new Counter({
      name: 'podshell_resizes_dropped_total',
      help: 'Resize frames dropped by the per-session rate limit (RESIZE_PER_SECOND); the newest size is always delivered.',
      registers: r,
    }),
    refreshesRefused: new Counter({
      name: 'podshell_refreshes_refused_total',
      help: 'Refresh frames refused unverified by the per-session rate limit (REFRESH_PER_MINUTE).',
      registers: r,
    }),
    authThrottled: new Counter({
      name: 'podshell_auth_throttled_total',
      help: 'Upgrades refused unverified because their client IP or claimed tenant had too many failed authentications this minute, by scope (ip, tenant).',
      labelNames: ['scope'],
      registers: r,
    }),
    clientSockets: new Gauge({
      name: GAUGE_NAMES.clientSockets,
      help: 'Open client WebSockets owned by sessions or being authenticated.',
      registers: r,
    }),
    upstreamSockets: new Gauge({
      name: GAUGE_NAMES.upstreamSockets,
      help: 'Open upstream exec WebSockets to the Kubernetes API.',
      registers: r,
    }),
    resizeHandlers: new Gauge({
      name: GAUGE_NAMES.resizeHandlers,
      help: 'Registered resize handlers (one per TTY session).',
      registers: r,
    }),
    sessionTimers: new Gauge({
      name: GAUGE_NAMES.sessionTimers,
      help: 'Armed timers owned by sessions (expiry, expiring warning, idle, keepalive).',
      registers: r,
    }),
    leakSuspected: new Gauge({
      name: 'podshell_leak_suspected',
      help: '1 while a resource gauge has stayed above the live session count for longer than LEAK_WINDOW_SECONDS.',
      registers: r,
    }),
    storeUp: new Gauge({
      name: 'podshell_store_up',
      help: '1 when the session store answers, 0 when it does not.',
      registers: r,
    }),
    orphanCleanupFailures: new Counter({
      name: 'podshell_orphan_cleanup_failures_total',
      help: 'Remote shells the broker failed to end after their session closed.',
      registers: r,
    }),
    debugContainers: new Counter({
      name: 'podshell_debug_containers_total',
      help: "Debug-container fallbacks for images without a shell, by outcome: created (a new ephemeral container), reused (the owner's running one), failed.",
      labelNames: ['tenant', 'outcome'],
      registers: r,
    }),
    draining: new Gauge({
      name: 'podshell_draining',
      help: '1 from SIGTERM until the drain ends (the replica takes no new sessions); a replica stuck at 1 is not finishing its drain.',
      registers: r,
    }),
    buildInfo: new Gauge({
      name: 'podshell_build_info',
      help: 'Always 1; its labels name the broker version, the Node.js version and the uWebSockets.js version loaded.',
      labelNames: ['version', 'node', 'uws'],
      registers: r,
    }),
    sessionsConnecting: new Gauge({
      name: GAUGE_NAMES.sessionsConnecting,
      help: 'Sessions created by an upgrade that have neither started (hello sent) nor been disposed.',
      registers: r,
    }),
    shellCleanups: new Gauge({
      name: GAUGE_NAMES.shellCleanups,
      help: 'Orphaned-shell cleanup execs still running (after their session ended, or for a reaped replica).',
      registers: r,
    }),
    logLinesDropped: new Counter({
      name: 'podshell_log_lines_dropped_total',
      help: 'Operational log lines dropped because stdout could not keep up (audit lines are never dropped).',
      registers: r,
    }),
    auditBacklogBytes: new Gauge({
      name: 'podshell_audit_backlog_bytes',
      help: 'Log and audit bytes written to stdout that it has not taken yet; above AUDIT_BACKLOG_BYTES new sessions are refused.',
      registers: r,
    }),
    sessionsInGrace: new Gauge({
      name: GAUGE_NAMES.sessionsInGrace,
      help: 'Resumable sessions whose client connection dropped: the shell and its output buffer are kept for the tenant grace period.',
      registers: r,
    }),
    replicaLinks: new Gauge({
      name: GAUGE_NAMES.replicaLinks,
      help: 'Client connections this replica relays to the replica holding their session (a resume that reached another replica).',
      registers: r,
    }),
    resumes: new Counter({
      name: 'podshell_resumes_total',
      help: 'Resume attempts, by outcome: resumed, refused (ended session or invalid credential), grace_expired (nobody came back).',
      labelNames: ['outcome'],
      registers: r,
    }),
    resumeReplayedBytes: new Counter({
      name: 'podshell_resume_replayed_bytes_total',
      help: 'Output bytes replayed from session buffers to resuming clients.',
      registers: r,
    }),
    observers: new Gauge({
      name: GAUGE_NAMES.observers,
      help: 'Read-only observers attached to live sessions on this replica (observer tokens, pod-shell.observe.v1).',
      registers: r,
    }),
    observersDropped: new Counter({
      name: 'podshell_observers_dropped_total',
      help: 'Observers the broker closed, by reason: slow (more unsent output than BACKPRESSURE_HIGH_BYTES plus the recent-output buffer), read_only (kept sending input).',
      labelNames: ['reason'],
      registers: r,
    }),
    storeSubscriptions: new Gauge({
      name: GAUGE_NAMES.storeSubscriptions,
      help: 'Store subscriptions held by this broker (control channel, reaped sessions); 0 once it stopped or failed to start.',
      registers: r,
    }),
    fileTransfers: new Gauge({
      name: GAUGE_NAMES.fileTransfers,
      help: 'File transfers (/v1/files uploads and downloads) running, their cleanup included.',
      registers: r,
    }),
    fileTransfersTotal: new Counter({
      name: 'podshell_file_transfers_total',
      help: 'File transfers ended, by direction (upload, download) and outcome (ok, cancelled, or the failure reason).',
      labelNames: ['direction', 'outcome'],
      registers: r,
    }),
    fileTransferBytes: new Counter({
      name: 'podshell_file_transfer_bytes_total',
      help: 'Bytes moved by file transfers, by direction (upload: request body; download: response body).',
      labelNames: ['direction'],
      registers: r,
    }),
    fileTransferSeconds: new Histogram({
      name: 'podshell_file_transfer_seconds',
      help: 'How long file transfers took, by direction.',
      labelNames: ['direction'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers: r,
    }),
  };
}
