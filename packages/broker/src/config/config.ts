import { hostname } from 'node:os';
import { ConfigError } from '../errors.js';

/**
 * All broker configuration, parsed once from the environment into a frozen, typed object.
 * Nothing else in the broker reads `process.env`. Every field: its variable, default and one line of
 * doc (docs/operations.md renders this table). Errors name the variable and the valid range.
 */
export interface BrokerConfig {
  /** PORT: public port (WebSocket endpoint, /healthz, /readyz). 0 = any free port. */
  readonly port: number;
  /** HOST: public listen address. */
  readonly host: string;
  /** ADMIN_PORT: admin port (/metrics, /debug/*, admin API). 0 = any free port. */
  readonly adminPort: number;
  /** ADMIN_HOST: admin listen address. */
  readonly adminHost: string;
  /** ADMIN_TOKEN: bearer token for the admin port; required (at least 16 characters). */
  readonly adminToken: string;
  /** SESSION_PATH: path of the WebSocket session endpoint. */
  readonly sessionPath: string;
  /** TENANTS_FILE: path of the tenants YAML file; reloaded when it changes. */
  readonly tenantsFile: string;
  /** KUBECONFIG: kubeconfig path; unset = in-cluster config, else ~/.kube/config. */
  readonly kubeconfig: string | undefined;
  /** REDIS_URL: Redis for the shared session registry; unset = in-memory single-replica store. */
  readonly redisUrl: string | undefined;
  /** REDIS_SENTINELS: comma-separated host:port list; with REDIS_SENTINEL_NAME, used instead of REDIS_URL's host. */
  readonly redisSentinels: ReadonlyArray<{ host: string; port: number }>;
  /** REDIS_SENTINEL_NAME: the Sentinel master group name. */
  readonly redisSentinelName: string | undefined;
  /** REDIS_COMMAND_TIMEOUT_MS: per-command timeout; new sessions fail closed after it. */
  readonly redisCommandTimeoutMs: number;
  /** REPLICA_ID: this replica's name in the registry. */
  readonly replicaId: string;
  /**
   * REPLICA_LINK_SECRET: shared secret (at least 32 characters) that authenticates replica-to-replica
   * links (HMAC-SHA256); unset = a resume reaching another replica than the session's is refused (4410).
   */
  readonly replicaLinkSecret: string | undefined;
  /** REPLICA_LINK_URL: `ws://host:port` where other replicas reach this one's public port; unset = HOST (127.0.0.1 for 0.0.0.0) and the bound PORT. */
  readonly replicaLinkUrl: string | undefined;
  /** HEARTBEAT_SECONDS: replica heartbeat period; a replica silent for two periods is reaped. */
  readonly heartbeatSeconds: number;
  /** EXPIRING_WARNING_SECONDS: how long before a forced close the `expiring` frame is sent. */
  readonly expiringWarningSeconds: number;
  /** CLOCK_TOLERANCE_SECONDS: JWT clock skew tolerance (0..60). */
  readonly clockToleranceSeconds: number;
  /** MAX_TOKEN_AGE_SECONDS: reject tokens whose `iat` is older than this. */
  readonly maxTokenAgeSeconds: number;
  /** MAX_INBOUND_FRAME_BYTES: largest client frame; larger closes with 1009. */
  readonly maxInboundFrameBytes: number;
  /** BACKPRESSURE_HIGH_BYTES: client buffered amount above which the upstream is paused. */
  readonly backpressureHighBytes: number;
  /** BACKPRESSURE_LIMIT_BYTES: per-session buffer cap; a session past it is closed. */
  readonly backpressureLimitBytes: number;
  /** CLIENT_WINDOW_BYTES: unacknowledged output above which the upstream is paused, for clients that send `ack`. */
  readonly clientWindowBytes: number;
  /** RESIZE_PER_SECOND: resize frames accepted per second per session; extra ones are dropped. */
  readonly resizePerSecond: number;
  /** REFRESH_PER_MINUTE: `refresh` frames verified per minute per session; extra ones are refused unverified, and as many again close the session (4430). */
  readonly refreshPerMinute: number;
  /** KEEPALIVE_SECONDS: ping period on both hops (must stay under load-balancer idle timeouts). */
  readonly keepaliveSeconds: number;
  /** UPGRADE_TIMEOUT_MS: time allowed for authentication plus the upstream upgrade. */
  readonly upgradeTimeoutMs: number;
  /** IP_CONNECTS_PER_MINUTE: connects per client IP per minute (0 = unlimited). */
  readonly ipConnectsPerMinute: number;
  /** AUTH_FAILURES_PER_MINUTE_PER_IP: failed authentications per client IP per minute before further upgrades from it are refused unverified (0 = off). */
  readonly authFailuresPerMinutePerIp: number;
  /** AUTH_FAILURES_PER_MINUTE_PER_TENANT: failed authentications claiming one tenant per minute before further upgrades claiming it are refused unverified (0 = off). */
  readonly authFailuresPerMinutePerTenant: number;
  /** TRUST_PROXY: take the client IP from X-Forwarded-For (only behind a trusted proxy). */
  readonly trustProxy: boolean;
  /** DRAIN_SECONDS: on SIGTERM, exit within this many seconds. */
  readonly drainSeconds: number;
  /** LEAK_WINDOW_SECONDS: how long a resource gauge may exceed its per-session bound before podshell_leak_suspected is set. */
  readonly leakWindowSeconds: number;
  /** MEMORY_TRIM_AFTER_SESSIONS: after this many sessions closed below the peak, and a quiet MEMORY_TRIM_SETTLE_MS, run one full GC (0 = never). */
  readonly memoryTrimAfterSessions: number;
  /** MEMORY_TRIM_SETTLE_MS: how long the live session count must hold still before that post-peak GC. */
  readonly memoryTrimSettleMs: number;
  /** HEAP_GROWING_PERCENT: V8's old generation may grow this far (percent) past what its last full GC kept (0 = V8's own factor); see server/heap-growth.ts. */
  readonly heapGrowingPercent: number;
  /** SEMI_SPACE_GROWTH_FACTOR: how V8 grows its young generation (1 = never past its first size; 0 = V8's own, 2); see server/heap-growth.ts. */
  readonly semiSpaceGrowthFactor: number;
  /** LOG_LEVEL: debug, info, warn or error. */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** DEMO_MODE: serve the demo page and its token endpoint (never in production). */
  readonly demoMode: boolean;
  /** PPROF_HEAP_INTERVAL_BYTES: mean bytes between heap-profile samples for /debug/pprof/heap; 0 turns sampling off. */
  readonly pprofHeapIntervalBytes: number;
  /** AUDIT_LOG_FILE: append audit lines to this file (synchronous writes) instead of stdout. */
  readonly auditLogFile: string | undefined;
  /** AUDIT_BACKLOG_BYTES: when audit lines waiting for stdout exceed this, new sessions are refused (503/4503) until it drains. */
  readonly auditBacklogBytes: number;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d+$/.test(raw.trim()))
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  const v = Number(raw.trim());
  if (v < min || v > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function str(env: Env, name: string, def?: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? def : raw;
}

/** Parses and validates the environment. Throws ConfigError naming the variable and its valid range. */
export function loadConfig(env: Env = process.env): BrokerConfig {
  const adminToken = str(env, 'ADMIN_TOKEN');
  if (adminToken === undefined || adminToken.length < 16) {
    throw new ConfigError(
      'ADMIN_TOKEN must be set to a secret of at least 16 characters (it protects /metrics, /debug and the admin API)',
    );
  }
  const tenantsFile = str(env, 'TENANTS_FILE');
  if (tenantsFile === undefined)
    throw new ConfigError('TENANTS_FILE must name the tenants YAML file (see examples/tenants.demo.yaml)');
  const sessionPath = str(env, 'SESSION_PATH', '/v1/session')!;
  if (!sessionPath.startsWith('/'))
    throw new ConfigError(`SESSION_PATH must start with "/", got ${JSON.stringify(sessionPath)}`);
  const sentinels = (str(env, 'REDIS_SENTINELS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(.+):(\d+)$/.exec(s);
      if (!m)
        throw new ConfigError(`REDIS_SENTINELS must be a comma-separated list of host:port, got ${JSON.stringify(s)}`);
      return { host: m[1]!, port: Number(m[2]) };
    });
  const logLevel = str(env, 'LOG_LEVEL', 'info')!;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    throw new ConfigError(`LOG_LEVEL must be debug, info, warn or error, got ${JSON.stringify(logLevel)}`);
  const backpressureHighBytes = int(env, 'BACKPRESSURE_HIGH_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024);
  const backpressureLimitBytes = int(env, 'BACKPRESSURE_LIMIT_BYTES', 4 * 1024 * 1024, 4096, 256 * 1024 * 1024);
  if (backpressureLimitBytes <= backpressureHighBytes) {
    throw new ConfigError(
      `BACKPRESSURE_LIMIT_BYTES (${backpressureLimitBytes}) must be larger than BACKPRESSURE_HIGH_BYTES (${backpressureHighBytes})`,
    );
  }
  const replicaLinkSecret = str(env, 'REPLICA_LINK_SECRET');
  if (replicaLinkSecret !== undefined && replicaLinkSecret.length < 32)
    throw new ConfigError('REPLICA_LINK_SECRET must be at least 32 characters (it authenticates replica links)');
  const replicaLinkUrl = str(env, 'REPLICA_LINK_URL');
  if (replicaLinkUrl !== undefined && !/^wss?:\/\/[^/\s]+$/.test(replicaLinkUrl))
    throw new ConfigError(
      `REPLICA_LINK_URL must be ws://host:port or wss://host:port (no path), got ${JSON.stringify(replicaLinkUrl)}`,
    );
  return Object.freeze({
    port: int(env, 'PORT', 8080, 0, 65535),
    host: str(env, 'HOST', '0.0.0.0')!,
    adminPort: int(env, 'ADMIN_PORT', 9090, 0, 65535),
    adminHost: str(env, 'ADMIN_HOST', '127.0.0.1')!,
    adminToken,
    sessionPath,
    tenantsFile,
    kubeconfig: str(env, 'KUBECONFIG'),
    redisUrl: str(env, 'REDIS_URL'),
    redisSentinels: Object.freeze(sentinels),
    redisSentinelName: str(env, 'REDIS_SENTINEL_NAME'),
    redisCommandTimeoutMs: int(env, 'REDIS_COMMAND_TIMEOUT_MS', 500, 50, 10000),
    replicaId: str(env, 'REPLICA_ID', `${hostname()}-${process.pid}`)!,
    replicaLinkSecret,
    replicaLinkUrl,
    heartbeatSeconds: int(env, 'HEARTBEAT_SECONDS', 5, 1, 300),
    expiringWarningSeconds: int(env, 'EXPIRING_WARNING_SECONDS', 60, 0, 3600),
    clockToleranceSeconds: int(env, 'CLOCK_TOLERANCE_SECONDS', 30, 0, 60),
    maxTokenAgeSeconds: int(env, 'MAX_TOKEN_AGE_SECONDS', 24 * 3600, 60, 30 * 24 * 3600),
    maxInboundFrameBytes: int(env, 'MAX_INBOUND_FRAME_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    backpressureHighBytes,
    backpressureLimitBytes,
    clientWindowBytes: int(env, 'CLIENT_WINDOW_BYTES', 512 * 1024, 16 * 1024, 64 * 1024 * 1024),
    resizePerSecond: int(env, 'RESIZE_PER_SECOND', 20, 1, 1000),
    refreshPerMinute: int(env, 'REFRESH_PER_MINUTE', 6, 1, 600),
    keepaliveSeconds: int(env, 'KEEPALIVE_SECONDS', 25, 5, 600),
    upgradeTimeoutMs: int(env, 'UPGRADE_TIMEOUT_MS', 10000, 100, 120000),
    ipConnectsPerMinute: int(env, 'IP_CONNECTS_PER_MINUTE', 120, 0, 1000000),
    authFailuresPerMinutePerIp: int(env, 'AUTH_FAILURES_PER_MINUTE_PER_IP', 30, 0, 1000000),
    authFailuresPerMinutePerTenant: int(env, 'AUTH_FAILURES_PER_MINUTE_PER_TENANT', 600, 0, 1000000),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    drainSeconds: int(env, 'DRAIN_SECONDS', 25, 1, 3600),
    leakWindowSeconds: int(env, 'LEAK_WINDOW_SECONDS', 60, 1, 86400),
    memoryTrimAfterSessions: int(env, 'MEMORY_TRIM_AFTER_SESSIONS', 500, 0, 10_000_000),
    memoryTrimSettleMs: int(env, 'MEMORY_TRIM_SETTLE_MS', 3000, 100, 600_000),
    heapGrowingPercent: int(env, 'HEAP_GROWING_PERCENT', 100, 0, 400),
    semiSpaceGrowthFactor: int(env, 'SEMI_SPACE_GROWTH_FACTOR', 1, 0, 4),
    logLevel: logLevel as BrokerConfig['logLevel'],
    demoMode: bool(env, 'DEMO_MODE', false),
    pprofHeapIntervalBytes: int(env, 'PPROF_HEAP_INTERVAL_BYTES', 524288, 0, 67108864),
    auditLogFile: str(env, 'AUDIT_LOG_FILE'),
    auditBacklogBytes: int(env, 'AUDIT_BACKLOG_BYTES', 64 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
  });
}
