import { registry } from './metrics.js';
import { UnsupportedApiError } from './unsupported.js';
import { runInVu, Vu, type ScenarioState } from './vu.js';

/**
 * k6 executors: constant-vus, ramping-vus, per-vu-iterations, shared-iterations, with k6's defaults
 * (gracefulStop 30s, gracefulRampDown 30s, maxDuration 10m) and its rule that an iteration in progress
 * at the end gets the graceful period to finish, then is interrupted (its sockets and timers cancelled).
 */
export interface Scenario {
  name: string;
  executor: 'constant-vus' | 'ramping-vus' | 'per-vu-iterations' | 'shared-iterations';
  exec: string;
  startTime: number;
  gracefulStop: number;
  vus: number;
  duration: number;
  iterations: number;
  maxDuration: number;
  startVUs: number;
  stages: { duration: number; target: number }[];
  gracefulRampDown: number;
}

const COMMON = ['executor', 'exec', 'startTime', 'gracefulStop'];
const KEYS: Record<Scenario['executor'], string[]> = {
  'constant-vus': [...COMMON, 'vus', 'duration'],
  'ramping-vus': [...COMMON, 'startVUs', 'stages', 'gracefulRampDown'],
  'per-vu-iterations': [...COMMON, 'vus', 'iterations', 'maxDuration'],
  'shared-iterations': [...COMMON, 'vus', 'iterations', 'maxDuration'],
};

/** k6 durations: 500ms, 30s, 1m30s, 2h (a bare number is milliseconds). */
export function parseDuration(raw: unknown, where: string): number {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw;
  const text = String(raw);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== text.length)
    throw new Error(`${where}: ${JSON.stringify(raw)} is not a duration like 500ms, 30s, 1m30s or 2h`);
  return total;
}

function positiveInt(raw: unknown, where: string, fallback?: number): number {
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0)
    throw new Error(`${where} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return raw;
}

/** options → scenarios, including k6's shortcuts (vus + duration → constant-vus; iterations → shared-iterations). */
export function scenariosFromOptions(options: Record<string, unknown>): Scenario[] {
  const raw = options['scenarios'] as Record<string, Record<string, unknown>> | undefined;
  if (raw === undefined) {
    if (options['stages'] !== undefined)
      return scenariosFromOptions({ scenarios: { default: { executor: 'ramping-vus', stages: options['stages'] } } });
    if (options['iterations'] !== undefined)
      return scenariosFromOptions({
        scenarios: {
          default: { executor: 'shared-iterations', vus: options['vus'] ?? 1, iterations: options['iterations'] },
        },
      });
    if (options['duration'] !== undefined)
      return scenariosFromOptions({
        scenarios: { default: { executor: 'constant-vus', vus: options['vus'] ?? 1, duration: options['duration'] } },
      });
    return scenariosFromOptions({ scenarios: { default: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } } });
  }
  return Object.entries(raw).map(([name, s]) => {
    const executor = s['executor'] as Scenario['executor'];
    if (!(executor in KEYS)) throw new UnsupportedApiError(`executor ${JSON.stringify(executor)} (scenario "${name}")`);
    for (const key of Object.keys(s))
      if (!KEYS[executor].includes(key))
        throw new UnsupportedApiError(`scenario option "${key}" of ${executor} (scenario "${name}")`);
    const w = `options.scenarios.${name}`;
    const stages = ((s['stages'] as { duration: unknown; target: unknown }[] | undefined) ?? []).map((st, i) => ({
      duration: parseDuration(st.duration, `${w}.stages[${i}].duration`),
      target: positiveInt(st.target, `${w}.stages[${i}].target`),
    }));
    return {
      name,
      executor,
      exec: (s['exec'] as string | undefined) ?? 'default',
      startTime: s['startTime'] === undefined ? 0 : parseDuration(s['startTime'], `${w}.startTime`),
      gracefulStop: s['gracefulStop'] === undefined ? 30_000 : parseDuration(s['gracefulStop'], `${w}.gracefulStop`),
      vus: positiveInt(s['vus'], `${w}.vus`, 1),
      duration: s['duration'] === undefined ? 0 : parseDuration(s['duration'], `${w}.duration`),
      iterations: positiveInt(s['iterations'], `${w}.iterations`, 1),
      maxDuration: s['maxDuration'] === undefined ? 600_000 : parseDuration(s['maxDuration'], `${w}.maxDuration`),
      startVUs: positiveInt(s['startVUs'], `${w}.startVUs`, 1),
      stages,
      gracefulRampDown:
        s['gracefulRampDown'] === undefined ? 30_000 : parseDuration(s['gracefulRampDown'], `${w}.gracefulRampDown`),
    };
  });
}

/** The most VUs a scenario can run at once (k6 allocates them all before the test starts). */
export function maxVus(s: Scenario): number {
  if (s.executor === 'ramping-vus') return Math.max(s.startVUs, ...s.stages.map((st) => st.target));
  return s.vus;
}

/** ramping-vus: the VU count k6 aims for at `t` ms into the scenario (linear within each stage). */
export function rampTarget(s: Scenario, t: number): number {
  let from = s.startVUs;
  let at = 0;
  for (const st of s.stages) {
    if (t < at + st.duration) return Math.round(from + ((st.target - from) * (t - at)) / Math.max(1, st.duration));
    from = st.target;
    at += st.duration;
  }
  return from;
}

type IterationFn = (data: unknown) => unknown;

let nextVuId = 1;
const activeVus = { now: 0, max: 0 };

async function iterate(vu: Vu, state: ScenarioState, fn: IterationFn, data: unknown): Promise<void> {
  vu.iteration++;
  vu.globalIteration = state.iterations++;
  const started = Date.now();
  try {
    await runInVu(vu, state, () => fn(data));
  } catch (err) {
    console.error(
      `${state.name}: VU ${vu.id} iteration ${vu.iteration} failed: ${(err as Error)?.stack ?? String(err)}`,
    );
  }
  await vu.idle();
  registry.get('iterations', 'counter').add(1);
  registry.get('iteration_duration', 'trend', true).add(Date.now() - started);
}

function vuStarted(): void {
  activeVus.now++;
  activeVus.max = Math.max(activeVus.max, activeVus.now);
  registry.get('vus', 'gauge').add(activeVus.now);
  registry.get('vus_max', 'gauge').add(activeVus.max);
}

function vuStopped(): void {
  activeVus.now--;
  registry.get('vus', 'gauge').add(activeVus.now);
}

/** Waits for `loops` to end; after `hardStopAt` interrupts every VU still busy. */
async function finish(loops: Promise<void>[], vus: Vu[], hardStopAt: () => number): Promise<void> {
  let done = false;
  const all = Promise.all(loops).then(() => {
    done = true;
  });
  while (!done) {
    const wait = hardStopAt() - Date.now();
    if (wait <= 0) {
      for (const vu of vus) vu.interrupt();
      await all;
      break;
    }
    await Promise.race([all, new Promise((r) => setTimeout(r, Math.min(wait, 250)))]);
  }
}

export async function runScenario(s: Scenario, fn: IterationFn, data: unknown): Promise<void> {
  if (s.startTime > 0) await new Promise((r) => setTimeout(r, s.startTime));
  const state: ScenarioState = { name: s.name, iterations: 0, startTime: Date.now() };
  const start = Date.now();
  const vus: Vu[] = [];
  const newVu = (): Vu => {
    const vu = new Vu(nextVuId++);
    vus.push(vu);
    return vu;
  };
  const loop = async (vu: Vu, next: () => boolean): Promise<void> => {
    vuStarted();
    try {
      while (next()) await iterate(vu, state, fn, data);
    } finally {
      vuStopped();
    }
  };
  switch (s.executor) {
    case 'constant-vus': {
      const end = start + s.duration;
      const loops = Array.from({ length: s.vus }, () => loop(newVu(), () => Date.now() < end));
      return finish(loops, vus, () => end + s.gracefulStop);
    }
    case 'per-vu-iterations':
    case 'shared-iterations': {
      const end = start + s.maxDuration;
      let left = s.executor === 'shared-iterations' ? s.iterations : 0;
      const loops = Array.from({ length: s.vus }, () => {
        let mine = s.iterations;
        const next =
          s.executor === 'shared-iterations'
            ? () => Date.now() < end && left-- > 0
            : () => Date.now() < end && mine-- > 0;
        return loop(newVu(), next);
      });
      return finish(loops, vus, () => end + s.gracefulStop);
    }
    case 'ramping-vus': {
      const total = s.stages.reduce((a, st) => a + st.duration, 0);
      const end = start + total;
      const loops: Promise<void>[] = [];
      const wanted: boolean[] = [];
      const stoppedAt: number[] = [];
      const tick = (): void => {
        const now = Date.now();
        const target = now >= end ? 0 : rampTarget(s, now - start);
        for (let i = 0; i < Math.max(target, wanted.length); i++) {
          if (i < target && !wanted[i]) {
            wanted[i] = true;
            if (i >= loops.length) {
              const vu = newVu();
              const idx = i;
              loops.push(loop(vu, () => wanted[idx] === true && Date.now() < end));
            }
          } else if (i >= target && wanted[i]) {
            wanted[i] = false;
            stoppedAt[i] = now;
          }
        }
        // Ramped-down VUs get gracefulRampDown to finish their iteration, then are interrupted.
        for (let i = 0; i < vus.length; i++)
          if (!wanted[i] && stoppedAt[i] !== undefined && now - stoppedAt[i]! > s.gracefulRampDown) vus[i]!.interrupt();
      };
      tick();
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
        tick();
      }
      tick();
      return finish(loops, vus, () => end + s.gracefulStop);
    }
  }
}
