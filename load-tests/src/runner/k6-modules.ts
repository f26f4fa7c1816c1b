import { setTimeout as delay } from 'node:timers/promises';
import { httpGet } from './http.js';
import { registry, type MetricType } from './metrics.js';
import { UnsupportedApiError } from './unsupported.js';
import { bindToVu, currentVu, owningVu, type Vu } from './vu.js';
import { K6WebSocket } from './websocket.js';

/**
 * The k6 API subset this runner implements, module by module. A script importing anything else fails
 * at load time (loader.ts); reading an unlisted member of a default export (e.g. `http.post`) throws
 * UnsupportedApiError naming it. load-tests/README.md lists the same table.
 */

function check<T>(value: T, checks: Record<string, (v: T) => unknown>): boolean {
  const series = registry.get('checks', 'rate');
  let all = true;
  for (const [name, fn] of Object.entries(checks)) {
    let ok = false;
    try {
      ok = Boolean(fn(value));
    } catch (err) {
      console.error(`check "${name}" threw: ${(err as Error).message}`);
    }
    series.add(ok ? 1 : 0);
    const c = checkCounts.get(name) ?? { passes: 0, fails: 0 };
    if (ok) c.passes++;
    else c.fails++;
    checkCounts.set(name, c);
    if (!ok) all = false;
  }
  return all;
}

/** Passes and fails per check name, for the summary. */
export const checkCounts = new Map<string, { passes: number; fails: number }>();

/**
 * k6's sleep blocks the VU. One shared event loop cannot block one VU, so here sleep returns a
 * Promise: scripts must `await sleep(s)` (harmless under k6, where sleep returns undefined).
 */
function sleep(seconds: number): Promise<void> {
  return delay(Math.max(0, seconds) * 1000);
}

function group<T>(name: string, fn: () => T): T {
  void name;
  return fn();
}

function fail(message?: string): never {
  throw new Error(message ?? 'fail() called');
}

function metricClass(type: MetricType) {
  return class {
    readonly name: string;
    private readonly series;
    constructor(name: string, isTime = false) {
      if (currentVu() !== null)
        throw new Error(`metrics must be created in the init context (new ${type}("${name}") inside a VU)`);
      this.name = name;
      this.series = registry.get(name, type, isTime === true);
    }
    add(value: number | boolean, tags?: Record<string, string>): void {
      if (tags !== undefined) throw new UnsupportedApiError(`tags on ${type} ${this.name}.add()`);
      this.series.add(typeof value === 'boolean' ? (value ? 1 : 0) : Number(value));
    }
  };
}

let nextTimerId = 1;
const timers = new Map<number, { handle: NodeJS.Timeout; interval: boolean; vu: Vu | undefined }>();

function armTimer(fn: (...a: unknown[]) => void, ms: number, args: unknown[], interval: boolean): number {
  const id = nextTimerId++;
  const vu = owningVu();
  const bound = bindToVu(fn);
  const handle = (interval ? setInterval : setTimeout)(
    () => {
      try {
        bound(...args);
      } finally {
        // Released after the callback ran, so what it armed keeps the iteration alive.
        if (!interval && timers.delete(id)) vu?.release(handle);
      }
    },
    Math.max(0, Number(ms) || 0),
  );
  timers.set(id, { handle, interval, vu: vu ?? undefined });
  vu?.hold(handle, () => clearTimer(id));
  return id;
}

function clearTimer(id: number): void {
  const t = timers.get(id);
  if (!t) return;
  timers.delete(id);
  if (t.interval) clearInterval(t.handle);
  else clearTimeout(t.handle);
  t.vu?.release(t.handle);
}

function executionApi() {
  const need = () => {
    const ctx = currentVu();
    if (!ctx) throw new Error('k6/execution: exec.vu and exec.scenario are only available inside a VU iteration');
    return ctx;
  };
  return {
    get vu() {
      const { vu } = need();
      return { idInTest: vu.id, iterationInScenario: vu.iteration };
    },
    get scenario() {
      const { scenario, vu } = need();
      return { name: scenario.name, startTime: scenario.startTime, iterationInTest: vu.globalIteration };
    },
  };
}

/** Strict default export: a member outside the subset throws, naming it. */
function strict(moduleName: string, members: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(members, {
    get(target, prop) {
      if (typeof prop === 'symbol' || prop in target) return (target as Record<string | symbol, unknown>)[prop];
      if (prop === 'then') return undefined;
      throw new UnsupportedApiError(`${moduleName} member "${String(prop)}"`);
    },
  });
}

export interface ModuleApi {
  named: Record<string, unknown>;
  default?: Record<string, unknown>;
}

export function k6Modules(): Record<string, ModuleApi> {
  const k6 = { check, sleep, group, fail };
  const metrics = {
    Counter: metricClass('counter'),
    Gauge: metricClass('gauge'),
    Rate: metricClass('rate'),
    Trend: metricClass('trend'),
  };
  const http = { get: httpGet };
  const ws = { WebSocket: K6WebSocket };
  const timersApi = {
    setTimeout: (fn: (...a: unknown[]) => void, ms: number, ...args: unknown[]) => armTimer(fn, ms, args, false),
    setInterval: (fn: (...a: unknown[]) => void, ms: number, ...args: unknown[]) => armTimer(fn, ms, args, true),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
  };
  const execution = executionApi();
  return {
    k6: { named: k6, default: strict('k6', k6) },
    'k6/metrics': { named: metrics, default: strict('k6/metrics', metrics) },
    'k6/http': { named: http, default: strict('k6/http', http) },
    'k6/websockets': { named: ws, default: strict('k6/websockets', ws) },
    'k6/timers': { named: timersApi, default: strict('k6/timers', timersApi) },
    'k6/execution': { named: {}, default: strict('k6/execution', execution) },
  };
}

/** The globals a k6 script sees (besides the JS built-ins): k6 puts the timers there too. */
export function k6Globals(env: Record<string, string>, open: (path: string) => string): Record<string, unknown> {
  const timersApi = k6Modules()['k6/timers']!.named;
  return {
    __ENV: env,
    open,
    console,
    ...timersApi,
  };
}
