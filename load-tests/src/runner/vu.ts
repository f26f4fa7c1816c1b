import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One virtual user. k6 gives every VU its own JS runtime and event loop; here all VUs share one
 * runtime, and each VU's pending work (open sockets, armed timers) is tracked so that an iteration
 * ends, as in k6, only when its function returned AND its event loop is empty.
 */
export class Vu {
  /** This VU's iterations in its scenario (k6 __ITER). */
  iteration = -1;
  /** The scenario-wide index of the iteration running now (k6 exec.scenario.iterationInTest). */
  globalIteration = -1;
  /** Handles this VU's event loop still waits for; each has a way to cancel it at a hard stop. */
  private readonly pending = new Map<object, () => void>();
  private idleWaiters: (() => void)[] = [];

  constructor(readonly id: number) {}

  hold(handle: object, cancel: () => void): void {
    this.pending.set(handle, cancel);
  }

  release(handle: object): void {
    if (!this.pending.delete(handle) || this.pending.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when nothing is pending. */
  idle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** A hard stop (k6: the iteration is interrupted): cancel every socket and timer. */
  interrupt(): void {
    for (const cancel of [...this.pending.values()]) cancel();
  }
}

const current = new AsyncLocalStorage<{ vu: Vu; scenario: ScenarioState }>();

export interface ScenarioState {
  name: string;
  /** Iterations started in this scenario (all VUs): k6's exec.scenario.iterationInTest source. */
  iterations: number;
  startTime: number;
}

export function runInVu<T>(vu: Vu, scenario: ScenarioState, fn: () => T): T {
  return current.run({ vu, scenario }, fn);
}

/** The VU whose code is running now, or null in the init context, setup and teardown. */
export function currentVu(): { vu: Vu; scenario: ScenarioState } | null {
  return current.getStore() ?? null;
}

/**
 * setup() and teardown() have an event loop too (k6 runs them in a VU of their own, `__VU` 0): the
 * sockets and timers they open are tracked on this VU, and the lifecycle function ends, as an
 * iteration does, only when it returned and those are done. exec.* stays unavailable there, as in k6.
 */
let lifecycle: Vu | null = null;

export async function runLifecycle<T>(fn: () => T | Promise<T>): Promise<T> {
  const vu = new Vu(0);
  lifecycle = vu;
  try {
    const result = await fn();
    await vu.idle();
    return result;
  } finally {
    lifecycle = null;
  }
}

/** The VU that owns a socket or timer opened now: the running iteration's, or setup's/teardown's. */
export function owningVu(): Vu | null {
  return current.getStore()?.vu ?? lifecycle;
}

/** Binds a callback to the VU that registered it, so __VU and exec.* are right inside it. */
export function bindToVu<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  const ctx = current.getStore();
  if (!ctx) return fn;
  return (...args: A) => current.run(ctx, () => fn(...args));
}
