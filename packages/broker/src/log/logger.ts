/**
 * One JSON object per line on stdout. Every string that looks like a JWT (three base64url parts, the
 * first starting `eyJ`) is redacted before it is written: tokens never reach logs (threat 2).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

export function redact(text: string): string {
  return text.replace(JWT_PATTERN, '[redacted-token]');
}

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

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

export function createLogger(options: { level?: LogLevel; sink?: LogSink; base?: Record<string, unknown> } = {}): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const sink: LogSink = options.sink ?? ((line) => process.stdout.write(line + '\n'));
  const base = options.base ?? {};
  const write = (level: LogLevel, event: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[level] < min) return;
    const record: Record<string, unknown> = { time: new Date().toISOString(), level, event, ...base };
    if (fields) for (const [k, v] of Object.entries(fields)) record[k] = errorFields(v);
    sink(redact(JSON.stringify(record)));
  };
  return {
    debug: (e, f) => write('debug', e, f),
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
    child: (fields) => createLogger({ level: options.level ?? 'info', sink, base: { ...base, ...fields } }),
  };
}
