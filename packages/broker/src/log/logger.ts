import { pino, stdTimeFunctions, type Logger as Pino, type LoggerOptions } from 'pino';
import { REDACTED, redact, redactDeep } from './redact.js';

/**
 * The broker's logger: pino, one JSON object per line, `{"level":"info","time":"…",…,"event":"…"}`.
 * Two lanes (docs/operations.md "Logs and audit"):
 *   - operational lines, filtered by LOG_LEVEL, which the process output may drop when it cannot
 *     keep up (a stalled log reader must not stall every session);
 *   - audit lines (AUDIT_EVENTS), written whatever LOG_LEVEL says, to their own sink, which never
 *     drops them.
 * Redaction (threat 2): pino's path redaction censors the fields that carry credentials by name
 * (token, authorization, cookie), and every string value is passed through `redact`, which removes
 * whole JWTs and JWT fragments wherever client-supplied text ended up (close reasons, headers,
 * error messages).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export { redact } from './redact.js';

/**
 * Audit events: who did what to which session (the three session events, file transfers, who watched a
 * session and until when, and every admin action). Never filtered by level, never dropped.
 */
const AUDIT_EVENTS = new Set([
  'session.start',
  'session.end',
  'session.rejected',
  'file.start',
  'file.end',
  'session.observer_attached',
  'session.observer_left',
]);

export function isAuditEvent(event: string): boolean {
  return AUDIT_EVENTS.has(event) || (event.startsWith('admin.') && event !== 'admin.failed');
}

/** Field names whose values are credentials, at the top level or one level down. */
const SECRET_PATHS = [
  'token',
  'authorization',
  'cookie',
  '*.token',
  '*.authorization',
  '*.cookie',
  'headers["sec-websocket-protocol"]',
];

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Receives one complete line, without its newline. */
export type LogSink = (line: string) => void;

export interface CreateLoggerOptions {
  level?: LogLevel;
  /** Operational lines (and audit lines when `auditSink` is absent); default stdout. */
  sink?: LogSink;
  /** Audit lines; default `sink`. */
  auditSink?: LogSink;
  base?: Record<string, unknown>;
}

function errorFields(value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out['code'] = code;
    if (value.cause !== undefined) out['cause'] = errorFields(value.cause);
    return out;
  }
  return value;
}

function destination(sink: LogSink): { write(line: string): void } {
  return { write: (line) => sink(line.endsWith('\n') ? line.slice(0, -1) : line) };
}

function pinoFor(level: string, sink: LogSink, base: Record<string, unknown>): Pino {
  const options: LoggerOptions = {
    level,
    base,
    messageKey: 'event',
    timestamp: stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (fields) => redactDeep(fields) as Record<string, unknown>,
    },
    redact: { paths: SECRET_PATHS, censor: REDACTED },
    // Errors are already plain objects (errorFields); pino's own `err` serializer would reshape them.
    serializers: { err: (value: unknown) => value },
  };
  return pino(options, destination(sink));
}

function wrap(ops: Pino, audit: Pino): Logger {
  const write = (level: LogLevel, event: string, fields?: Record<string, unknown>): void => {
    const record: Record<string, unknown> = {};
    if (fields) for (const [k, v] of Object.entries(fields)) record[k] = errorFields(v);
    const target = isAuditEvent(event) ? audit : ops;
    target[isAuditEvent(event) && level === 'debug' ? 'info' : level](record, redact(event));
  };
  return {
    debug: (e, f) => write('debug', e, f),
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
    child: (fields) => wrap(ops.child(fields), audit.child(fields)),
  };
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const sink: LogSink = options.sink ?? ((line) => process.stdout.write(line + '\n'));
  const base = options.base ?? {};
  return wrap(pinoFor(options.level ?? 'info', sink, base), pinoFor('info', options.auditSink ?? sink, base));
}
