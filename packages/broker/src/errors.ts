import { CloseCode } from '@pod-shell/protocol';

/**
 * Every error the broker raises on purpose. `code` is stable (docs/errors.md lists each one; a test
 * fails when code and doc drift). One function maps an error to an HTTP status (before the upgrade)
 * and one to a WebSocket close code (after).
 */
export const ErrorCode = {
  CONFIG_INVALID: 'PS_ERR_CONFIG_INVALID',
  TENANTS_INVALID: 'PS_ERR_TENANTS_INVALID',
  BAD_REQUEST: 'PS_ERR_BAD_REQUEST',
  BAD_FRAME: 'PS_ERR_BAD_FRAME',
  TOKEN_MISSING: 'PS_ERR_TOKEN_MISSING',
  TOKEN_INVALID: 'PS_ERR_TOKEN_INVALID',
  TOKEN_EXPIRED: 'PS_ERR_TOKEN_EXPIRED',
  ORIGIN_FORBIDDEN: 'PS_ERR_ORIGIN_FORBIDDEN',
  TARGET_FORBIDDEN: 'PS_ERR_TARGET_FORBIDDEN',
  KUBE_FORBIDDEN: 'PS_ERR_KUBE_FORBIDDEN',
  KUBE_NOT_FOUND: 'PS_ERR_KUBE_NOT_FOUND',
  KUBE_BAD_REQUEST: 'PS_ERR_KUBE_BAD_REQUEST',
  KUBE_UPSTREAM: 'PS_ERR_KUBE_UPSTREAM',
  NO_SHELL: 'PS_ERR_NO_SHELL',
  DEBUG_CONTAINER_FAILED: 'PS_ERR_DEBUG_CONTAINER_FAILED',
  DEBUG_CONTAINER_TIMEOUT: 'PS_ERR_DEBUG_CONTAINER_TIMEOUT',
  FILE_TRANSFER_DISABLED: 'PS_ERR_FILE_TRANSFER_DISABLED',
  FILE_NOT_FOUND: 'PS_ERR_FILE_NOT_FOUND',
  FILE_TOO_LARGE: 'PS_ERR_FILE_TOO_LARGE',
  FILE_ARCHIVE_INVALID: 'PS_ERR_FILE_ARCHIVE_INVALID',
  FILE_EXISTS: 'PS_ERR_FILE_EXISTS',
  FILE_TOOL_MISSING: 'PS_ERR_FILE_TOOL_MISSING',
  FILE_TRANSFER_FAILED: 'PS_ERR_FILE_TRANSFER_FAILED',
  FILE_TRANSFER_CANCELLED: 'PS_ERR_FILE_TRANSFER_CANCELLED',
  QUOTA_EXCEEDED: 'PS_ERR_QUOTA_EXCEEDED',
  RATE_LIMITED: 'PS_ERR_RATE_LIMITED',
  REFRESH_RATE_LIMITED: 'PS_ERR_REFRESH_RATE_LIMITED',
  AUTH_RATE_LIMITED: 'PS_ERR_AUTH_RATE_LIMITED',
  SESSION_EXPIRED: 'PS_ERR_SESSION_EXPIRED',
  SESSION_IDLE: 'PS_ERR_SESSION_IDLE',
  SESSION_KILLED: 'PS_ERR_SESSION_KILLED',
  LOCKED: 'PS_ERR_LOCKED',
  RESUME_REFUSED: 'PS_ERR_RESUME_REFUSED',
  SESSION_TAKEN_OVER: 'PS_ERR_SESSION_TAKEN_OVER',
  OBSERVE_REFUSED: 'PS_ERR_OBSERVE_REFUSED',
  OBSERVER_READ_ONLY: 'PS_ERR_OBSERVER_READ_ONLY',
  REPLICA_LINK_FORBIDDEN: 'PS_ERR_REPLICA_LINK_FORBIDDEN',
  BACKPRESSURE_LIMIT: 'PS_ERR_BACKPRESSURE_LIMIT',
  DRAINING: 'PS_ERR_DRAINING',
  STORE_UNAVAILABLE: 'PS_ERR_STORE_UNAVAILABLE',
  AUDIT_BACKLOG: 'PS_ERR_AUDIT_BACKLOG',
  NATIVE_ADDON_MISSING: 'PS_ERR_NATIVE_ADDON_MISSING',
  INTERNAL: 'PS_ERR_INTERNAL',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

interface CodeInfo {
  http: number;
  close: number;
  /** The short reason string sent in `closing` frames and used as a metric label. */
  reason: string;
}

const CODE_INFO: Record<ErrorCodeValue, CodeInfo> = {
  PS_ERR_CONFIG_INVALID: { http: 500, close: CloseCode.Upstream, reason: 'config' },
  PS_ERR_TENANTS_INVALID: { http: 500, close: CloseCode.Upstream, reason: 'config' },
  PS_ERR_BAD_REQUEST: { http: 400, close: CloseCode.BadRequest, reason: 'bad_request' },
  PS_ERR_BAD_FRAME: { http: 400, close: CloseCode.BadRequest, reason: 'bad_frame' },
  PS_ERR_TOKEN_MISSING: { http: 401, close: CloseCode.Unauthorized, reason: 'token_missing' },
  PS_ERR_TOKEN_INVALID: { http: 401, close: CloseCode.Unauthorized, reason: 'token_invalid' },
  PS_ERR_TOKEN_EXPIRED: { http: 401, close: CloseCode.Unauthorized, reason: 'token_expired' },
  PS_ERR_ORIGIN_FORBIDDEN: { http: 403, close: CloseCode.Forbidden, reason: 'origin_forbidden' },
  PS_ERR_TARGET_FORBIDDEN: { http: 403, close: CloseCode.Forbidden, reason: 'target_forbidden' },
  PS_ERR_KUBE_FORBIDDEN: { http: 403, close: CloseCode.Forbidden, reason: 'kube_forbidden' },
  PS_ERR_KUBE_NOT_FOUND: { http: 404, close: CloseCode.NotFound, reason: 'not_found' },
  PS_ERR_KUBE_BAD_REQUEST: { http: 400, close: CloseCode.BadRequest, reason: 'kube_bad_request' },
  PS_ERR_KUBE_UPSTREAM: { http: 502, close: CloseCode.Upstream, reason: 'upstream_error' },
  PS_ERR_NO_SHELL: { http: 404, close: CloseCode.NotFound, reason: 'no_shell' },
  PS_ERR_DEBUG_CONTAINER_FAILED: { http: 502, close: CloseCode.Upstream, reason: 'debug_container_failed' },
  PS_ERR_DEBUG_CONTAINER_TIMEOUT: { http: 504, close: CloseCode.Upstream, reason: 'debug_container_timeout' },
  PS_ERR_FILE_TRANSFER_DISABLED: { http: 403, close: CloseCode.Forbidden, reason: 'file_transfer_disabled' },
  PS_ERR_FILE_NOT_FOUND: { http: 404, close: CloseCode.NotFound, reason: 'file_not_found' },
  PS_ERR_FILE_TOO_LARGE: { http: 413, close: CloseCode.BadRequest, reason: 'file_too_large' },
  PS_ERR_FILE_ARCHIVE_INVALID: { http: 400, close: CloseCode.BadRequest, reason: 'archive_invalid' },
  PS_ERR_FILE_EXISTS: { http: 409, close: CloseCode.BadRequest, reason: 'file_exists' },
  PS_ERR_FILE_TOOL_MISSING: { http: 422, close: CloseCode.NotFound, reason: 'file_tool_missing' },
  PS_ERR_FILE_TRANSFER_FAILED: { http: 502, close: CloseCode.Upstream, reason: 'file_transfer_failed' },
  PS_ERR_FILE_TRANSFER_CANCELLED: { http: 499, close: CloseCode.Upstream, reason: 'cancelled' },
  PS_ERR_QUOTA_EXCEEDED: { http: 429, close: CloseCode.TooMany, reason: 'quota_exceeded' },
  PS_ERR_RATE_LIMITED: { http: 429, close: CloseCode.TooMany, reason: 'rate_limited' },
  PS_ERR_AUTH_RATE_LIMITED: { http: 429, close: CloseCode.TooMany, reason: 'auth_rate_limited' },
  PS_ERR_REFRESH_RATE_LIMITED: { http: 429, close: CloseCode.TooManyRefreshes, reason: 'refresh_rate_limited' },
  PS_ERR_SESSION_EXPIRED: { http: 401, close: CloseCode.Expired, reason: 'expired' },
  PS_ERR_SESSION_IDLE: { http: 401, close: CloseCode.Expired, reason: 'idle' },
  PS_ERR_SESSION_KILLED: { http: 410, close: CloseCode.Terminated, reason: 'terminated' },
  PS_ERR_LOCKED: { http: 403, close: CloseCode.Forbidden, reason: 'locked' },
  PS_ERR_RESUME_REFUSED: { http: 410, close: CloseCode.ResumeRefused, reason: 'resume_refused' },
  PS_ERR_SESSION_TAKEN_OVER: { http: 409, close: CloseCode.TakenOver, reason: 'taken_over' },
  PS_ERR_OBSERVE_REFUSED: { http: 403, close: CloseCode.ObserveRefused, reason: 'observe_refused' },
  PS_ERR_OBSERVER_READ_ONLY: { http: 403, close: CloseCode.BadRequest, reason: 'observer_read_only' },
  PS_ERR_REPLICA_LINK_FORBIDDEN: { http: 403, close: CloseCode.Forbidden, reason: 'replica_link_forbidden' },
  PS_ERR_BACKPRESSURE_LIMIT: { http: 500, close: CloseCode.Upstream, reason: 'backpressure_limit' },
  PS_ERR_DRAINING: { http: 503, close: CloseCode.Unavailable, reason: 'draining' },
  PS_ERR_STORE_UNAVAILABLE: { http: 503, close: CloseCode.Unavailable, reason: 'store_unavailable' },
  PS_ERR_AUDIT_BACKLOG: { http: 503, close: CloseCode.Unavailable, reason: 'audit_backlog' },
  PS_ERR_NATIVE_ADDON_MISSING: { http: 500, close: CloseCode.Upstream, reason: 'internal' },
  PS_ERR_INTERNAL: { http: 500, close: CloseCode.Upstream, reason: 'internal' },
};

/** Base class: a stable `code`, a human `message` safe to show a user, and an optional `cause`. */
export class PodShellError extends Error {
  readonly code: ErrorCodeValue;
  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PodShellError';
    this.code = code;
  }
  get httpStatus(): number {
    return CODE_INFO[this.code].http;
  }
  get closeCode(): number {
    return CODE_INFO[this.code].close;
  }
  get reason(): string {
    return CODE_INFO[this.code].reason;
  }
}

/** A configuration or tenants-file problem; the message names the variable or field and its valid range. */
export class ConfigError extends PodShellError {
  constructor(message: string, options?: { cause?: unknown; tenants?: boolean }) {
    super(options?.tenants ? ErrorCode.TENANTS_INVALID : ErrorCode.CONFIG_INVALID, message, options);
    this.name = 'ConfigError';
  }
}

/** Authentication or authorization failed before a session existed. */
export class AuthError extends PodShellError {
  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'AuthError';
  }
}

/** The Kubernetes API refused or broke the exec; `message` is the apiserver's own text where there is one. */
export class UpstreamError extends PodShellError {
  /** The HTTP status the apiserver answered the upgrade with, when it refused it. */
  readonly upstreamStatus: number | undefined;
  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown; upstreamStatus?: number }) {
    super(code, message, options);
    this.name = 'UpstreamError';
    this.upstreamStatus = options?.upstreamStatus;
  }
}

/** Wraps anything thrown into a PodShellError (unknown errors become PS_ERR_INTERNAL, message hidden). */
export function toPodShellError(err: unknown): PodShellError {
  if (err instanceof PodShellError) return err;
  return new PodShellError(ErrorCode.INTERNAL, 'internal error', { cause: err });
}

export function httpStatusFor(err: unknown): number {
  return toPodShellError(err).httpStatus;
}

export function closeCodeFor(err: unknown): number {
  return toPodShellError(err).closeCode;
}

/** All codes with their mappings, for docs/errors.md and its drift test. */
export function errorCatalog(): ReadonlyArray<{ code: ErrorCodeValue } & CodeInfo> {
  return (Object.keys(CODE_INFO) as ErrorCodeValue[]).map((code) => ({ code, ...CODE_INFO[code] }));
}
