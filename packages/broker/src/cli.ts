#!/usr/bin/env node
import { loadConfig } from './config/config.js';
import { PodShellError } from './errors.js';
import { applyHeapSettings } from './server/heap-growth.js';

const USAGE = `Usage: pod-shell-broker [serve]     run the broker (configuration from the environment, see docs/operations.md)
       pod-shell-broker token …     print a signed token (pod-shell-broker token --help)`;

/** Flushes the process's log output (stdout, and AUDIT_LOG_FILE for audit lines when set); set by serve. */
let flushOutput: () => Promise<void> = () => Promise.resolve();

/** Exits once pending log lines reached stdout and the audit file (bounded by its own timer). */
function flushThenExit(code: number): void {
  setTimeout(() => process.exit(code), 2000).unref();
  void flushOutput().then(() => process.exit(code));
}

/**
 * The CLI. Only the configuration and V8's heap settings load before the broker: V8 sizes its young
 * generation while the broker's modules load, so the settings must come first (server/heap-growth.ts);
 * everything else is imported after them.
 */
async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'token') {
    const { runTokenCommand } = await import('./cli/token-command.js');
    return runTokenCommand(rest);
  }
  if (command === 'serve') {
    const config = loadConfig(process.env);
    applyHeapSettings(config);
    const { serve } = await import('./serve.js');
    return serve(config, (flush) => {
      flushOutput = flush;
    });
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  process.stderr.write(`unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => flushThenExit(code),
  (err: unknown) => {
    const message = err instanceof PodShellError ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err);
    process.stderr.write(`pod-shell-broker: ${message}\n`);
    process.exit(err instanceof PodShellError && err.code === 'PS_ERR_CONFIG_INVALID' ? 2 : 1);
  },
);
