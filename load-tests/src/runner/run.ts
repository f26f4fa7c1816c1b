import { writeFileSync } from 'node:fs';
import { checkCounts } from './k6-modules.js';
import { loadScript } from './loader.js';
import { markTestEnd, markTestStart, registry } from './metrics.js';
import { runScenario, scenariosFromOptions } from './executors.js';
import { summaryData, textSummary } from './summary.js';
import { evaluateThresholds, parseThresholds, THRESHOLDS_FAILED_EXIT_CODE } from './thresholds.js';
import { UnsupportedApiError } from './unsupported.js';
import { runLifecycle } from './vu.js';

/** k6's exit code for a script that fails to load or throws in init/setup/teardown. */
export const SCRIPT_ERROR_EXIT_CODE = 107;

const SUPPORTED_OPTIONS = ['scenarios', 'thresholds', 'vus', 'duration', 'iterations', 'stages'];

export interface RunOptions {
  script: string;
  env: Record<string, string>;
  /** Where the text summary goes (default process.stdout). */
  out?: (text: string) => void;
}

/**
 * One `k6 run`: init (load the script), setup(), every scenario in parallel, teardown(data), then the
 * summary (handleSummary's outputs, or the text summary) and the thresholds. Returns the exit code:
 * 0, 99 when a threshold failed, 107 when the script could not be loaded or setup/teardown threw.
 */
export async function runScript(opts: RunOptions): Promise<number> {
  const out = opts.out ?? ((t: string) => process.stdout.write(t));
  let exports: Record<string, unknown>;
  let scenarios;
  let thresholds;
  try {
    exports = (await loadScript(opts.script, opts.env)).exports;
    const options = (exports['options'] as Record<string, unknown> | undefined) ?? {};
    for (const key of Object.keys(options))
      if (!SUPPORTED_OPTIONS.includes(key)) throw new UnsupportedApiError(`option "${key}"`);
    scenarios = scenariosFromOptions(options);
    thresholds = parseThresholds(options['thresholds']);
    for (const s of scenarios)
      if (typeof exports[s.exec] !== 'function')
        throw new Error(`scenario "${s.name}" runs exec "${s.exec}", which the script does not export as a function`);
  } catch (err) {
    process.stderr.write(`ERRO[0000] ${(err as Error).stack ?? String(err)}\n`);
    return SCRIPT_ERROR_EXIT_CODE;
  }
  for (const builtin of [
    ['checks', 'rate'],
    ['iterations', 'counter'],
    ['vus', 'gauge'],
    ['vus_max', 'gauge'],
  ] as const)
    registry.get(builtin[0], builtin[1]);
  registry.get('iteration_duration', 'trend', true);

  markTestStart();
  const started = Date.now();
  let data: unknown;
  try {
    if (typeof exports['setup'] === 'function')
      data = JSON.parse(JSON.stringify((await runLifecycle(exports['setup'] as () => unknown)) ?? null));
  } catch (err) {
    process.stderr.write(`ERRO[setup] ${(err as Error).stack ?? String(err)}\n`);
    return SCRIPT_ERROR_EXIT_CODE;
  }
  await Promise.all(scenarios.map((s) => runScenario(s, exports[s.exec] as (d: unknown) => unknown, data)));
  let teardownFailed = false;
  try {
    if (typeof exports['teardown'] === 'function')
      await runLifecycle(() => (exports['teardown'] as (d: unknown) => unknown)(data));
  } catch (err) {
    teardownFailed = true;
    process.stderr.write(`ERRO[teardown] ${(err as Error).stack ?? String(err)}\n`);
  }
  markTestEnd();

  const ok = evaluateThresholds(thresholds, registry);
  const summary = summaryData(registry, thresholds, checkCounts, Date.now() - started);
  if (typeof exports['handleSummary'] === 'function') {
    const outputs = (await (exports['handleSummary'] as (d: unknown) => unknown)(summary)) as Record<string, string>;
    for (const [target, content] of Object.entries(outputs ?? {})) {
      if (target === 'stdout') out(String(content));
      else if (target === 'stderr') process.stderr.write(String(content));
      else writeFileSync(target, String(content));
    }
  } else {
    out(textSummary(summary));
  }
  if (!ok) {
    process.stderr.write(
      `ERRO[${Math.round((Date.now() - started) / 1000)}] thresholds on metrics '${[...new Set(thresholds.filter((t) => !t.ok).map((t) => t.metric))].join("', '")}' have been crossed\n`,
    );
    return THRESHOLDS_FAILED_EXIT_CODE;
  }
  return teardownFailed ? SCRIPT_ERROR_EXIT_CODE : 0;
}
