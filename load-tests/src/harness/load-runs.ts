import { runFigures, type RunFigures } from './figures.js';
import { assertThroughPrometheus } from './prom-assert.js';
import { runK6, startStack, type Stack, type StackOptions } from './stack.js';

/**
 * One load run as CI and `npm run load` do it: start the stack, mint the tokens, run the unchanged k6
 * script with the runner, then ask Prometheus. `ok` needs both the script's exit code 0 (its
 * thresholds) and no Prometheus failure.
 */
export type ScriptName = 'capacity' | 'churn-leak' | 'flood' | 'expiry-refresh';

export interface LoadRunOptions {
  script: ScriptName;
  sessions: number;
  /** Script-specific -e values (HOLD_SECONDS, VUS, …). */
  extraEnv?: Record<string, string>;
  stack?: StackOptions;
  echo?: boolean;
  /** Called while the sessions are still held (capacity), e.g. to sample the broker. */
  duringRun?: (stack: Stack) => Promise<void>;
  /** Called after the run and the Prometheus verdict, before the stack stops (e.g. to take a heap profile). */
  beforeStop?: (stack: Stack) => Promise<void>;
}

export interface LoadRunResult {
  code: number;
  stdout: string;
  stderr: string;
  promFailures: string[];
  peak: number | null;
  ok: boolean;
  startedAt: number;
  endedAt: number;
  figures: RunFigures;
}

export async function loadRun(o: LoadRunOptions): Promise<LoadRunResult> {
  const brokerEnv: Record<string, string> = {};
  // A short leak window so the canary can trip within a short churn run.
  if (o.script === 'churn-leak') brokerEnv['LEAK_WINDOW_SECONDS'] = '5';
  const stack = await startStack({ ...o.stack, env: { ...brokerEnv, ...o.stack?.env } });
  try {
    const env: Record<string, string> = {
      BROKER: stack.brokerUrl,
      SESSIONS: String(o.sessions),
      ADMIN: stack.adminUrl,
      ADMIN_TOKEN: stack.adminToken,
    };
    let peak: number | [number, number] = o.sessions;
    switch (o.script) {
      case 'capacity':
        env['TOKENS'] = stack.tokens(o.sessions, { pod: 'echo-0', ttl: '2h', name: 'capacity' });
        break;
      case 'churn-leak': {
        const vus = Number(o.extraEnv?.['VUS'] ?? 100);
        env['TOKENS'] = stack.tokens(Math.min(o.sessions, vus), { pod: 'echo-0', ttl: '2h', name: 'churn' });
        peak = [1, vus];
        break;
      }
      case 'flood':
        env['TOKENS'] = stack.tokens(o.sessions, { pod: 'demo', ttl: '1h', name: 'flood' });
        break;
      case 'expiry-refresh':
        env['TOKENS'] = stack.tokens(o.sessions, { pod: 'echo-0', ttl: o.extraEnv?.['TTL'] ?? '12s', name: 'short' });
        env['REFRESH_TOKENS'] = stack.tokens(o.sessions, { pod: 'echo-0', ttl: '1h', name: 'refresh' });
        break;
    }
    Object.assign(env, o.extraEnv);
    delete env['TTL'];
    const startedAt = Date.now();
    const running = runK6(`${o.script}.js`, env, o.echo);
    if (o.duringRun) await o.duringRun(stack);
    const r = await running;
    const endedAt = Date.now();
    const prom = await assertThroughPrometheus(stack.prometheus, {
      from: startedAt,
      to: endedAt,
      peak,
      settleMs: o.stack?.leak ? 3000 : 15_000,
    });
    if (o.beforeStop) await o.beforeStop(stack);
    // capacity holds every session from the end of the ramp to the end of the hold.
    const ramp = Number(env['RAMP_SECONDS'] ?? Math.max(10, Math.ceil(o.sessions / 100))) * 1000;
    const hold = Number(env['HOLD_SECONDS'] ?? 60) * 1000;
    const holdWindow =
      o.script === 'capacity' ? { from: startedAt + ramp + 5000, to: startedAt + ramp + hold - 1000 } : undefined;
    const figures = await runFigures(stack.prometheus, startedAt, endedAt, holdWindow);
    return {
      ...r,
      promFailures: prom.failures,
      peak: prom.peak,
      ok: r.code === 0 && prom.failures.length === 0,
      startedAt,
      endedAt,
      figures,
    };
  } finally {
    await stack.stop();
  }
}
