import { parseArgs } from 'node:util';
import { loadRun, type ScriptName } from './harness/load-runs.js';

/**
 * `npm run load -- <script> [--sessions N] [--leak] [-e KEY=VALUE]…`: one load run here, against a
 * local kube-sim + Redis + broker with Prometheus watching (load-tests/README.md). Exit code: the
 * runner's (99 = thresholds crossed), or 1 when Prometheus disagrees.
 */
const SCRIPTS: ScriptName[] = ['capacity', 'churn-leak', 'flood', 'expiry-refresh'];
const DEFAULT_SESSIONS: Record<ScriptName, number> = {
  capacity: 5000,
  'churn-leak': 10000,
  flood: 20,
  'expiry-refresh': 100,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sessions: { type: 'string' },
    leak: { type: 'boolean' },
    store: { type: 'string', default: 'redis' },
    env: { type: 'string', short: 'e', multiple: true },
    'broker-env': { type: 'string', multiple: true },
  },
});
const script = positionals[0] as ScriptName;
if (!SCRIPTS.includes(script)) {
  process.stderr.write(
    `usage: npm run load -- <${SCRIPTS.join('|')}> [--sessions N] [--leak] [--store redis|memory] [-e KEY=VALUE]… [--broker-env KEY=VALUE]…\n`,
  );
  process.exit(2);
}
/** `KEY=VALUE` arguments as an object: `-e` for the k6 script (as k6's own -e), `--broker-env` for the broker. */
const pairs = (list: string[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const extraEnv = pairs(values.env);
const r = await loadRun({
  script,
  sessions: Number(values.sessions ?? DEFAULT_SESSIONS[script]),
  extraEnv,
  stack: {
    leak: values.leak === true,
    store: values.store === 'memory' ? 'memory' : 'redis',
    env: pairs(values['broker-env']),
  },
  echo: true,
});
process.stdout.write(
  `\nPrometheus (PromQL over the scraped admin /metrics): peak podshell_sessions_active = ${r.peak}\n`,
);
for (const f of r.promFailures) process.stdout.write(`  ✗ ${f}\n`);
if (r.promFailures.length === 0)
  process.stdout.write('  ✓ every session gauge 0 at the end, podshell_leak_suspected never rose\n');
process.stdout.write(
  `\nBroker figures (from Prometheus; this machine is shared, load average ${r.figures.loadAverage.join(' / ')}):\n${JSON.stringify(r.figures, null, 2)}\n`,
);
process.exit(r.code !== 0 ? r.code : r.promFailures.length > 0 ? 1 : 0);
