// k6 provides `console` (log, info, warn, error, debug) to every script; @types/k6 does not declare it.
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};
