import { parseArgs } from 'node:util';
import { runScript } from './run.js';

/**
 * `pod-shell-k6 run [-e KEY=VALUE]… [--summary-export FILE] script.js`: the subset of `k6 run` these
 * scripts need. __ENV holds only the -e values (k6 also adds the process environment unless
 * --include-system-env-vars=false; here it is always off, so nothing leaks in by accident).
 */
const USAGE = 'Usage: pod-shell-k6 run [-e KEY=VALUE]... [--summary-export FILE] SCRIPT.js';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'run') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { env: { type: 'string', short: 'e', multiple: true }, 'summary-export': { type: 'string' } },
  });
  if (positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const env: Record<string, string> = {};
  for (const kv of values.env ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`-e ${kv}: expected KEY=VALUE\n`);
      return 2;
    }
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const code = await runScript({ script: positionals[0]!, env });
  if (values['summary-export'])
    process.stderr.write('note: --summary-export is not supported; export JSON from handleSummary instead\n');
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pod-shell-k6: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(107);
  },
);
