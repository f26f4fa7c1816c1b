import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorResponse, jsonResponse, type DebugResponse } from './debug-response.js';

/**
 * `/debug/pprof/profile?seconds=N`: a CPU profile of this process taken through the in-process
 * inspector, returned as a `.cpuprofile` JSON document (Chrome DevTools → Performance, or speedscope).
 * Rules: seconds is an integer 1..60 (default 10); one profile at a time (409 otherwise); an abort
 * signal (client gone, drain) stops it early and frees the inspector session.
 */
export const MIN_PROFILE_SECONDS = 1;
export const MAX_PROFILE_SECONDS = 60;
export const DEFAULT_PROFILE_SECONDS = 10;

let inFlight = false;

/** Parses the `seconds` query value; returns an error message when it is out of range. */
export function parseProfileSeconds(raw: string | number | null | undefined): number | string {
  if (raw === null || raw === undefined || raw === '') return DEFAULT_PROFILE_SECONDS;
  const text = String(raw).trim();
  const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < MIN_PROFILE_SECONDS || n > MAX_PROFILE_SECONDS) {
    return `seconds must be an integer from ${MIN_PROFILE_SECONDS} to ${MAX_PROFILE_SECONDS}, got ${JSON.stringify(String(raw).slice(0, 20))}`;
  }
  return n;
}

export interface CpuProfileOptions {
  signal?: AbortSignal;
  /** Sampling interval in microseconds (default 1000). */
  samplingIntervalUs?: number;
}

/** Profiles for `seconds` (validated) and answers the profile JSON; 400/409/499 otherwise. */
export async function cpuProfile(
  seconds: string | number | null | undefined,
  options: CpuProfileOptions = {},
): Promise<DebugResponse> {
  const parsed = parseProfileSeconds(seconds);
  if (typeof parsed === 'string') return errorResponse(400, parsed);
  if (inFlight) return errorResponse(409, 'a CPU profile is already being taken');
  inFlight = true;
  const session = new Session();
  try {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: options.samplingIntervalUs ?? 1000 });
    await session.post('Profiler.start');
    let aborted = false;
    try {
      await sleep(parsed * 1000, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      aborted = true;
    }
    const { profile } = await session.post('Profiler.stop');
    if (aborted) return errorResponse(499, 'profile aborted');
    return jsonResponse(200, profile, {
      'content-disposition': `attachment; filename="pod-shell-${process.pid}-${Date.now()}.cpuprofile"`,
    });
  } finally {
    try {
      await session.post('Profiler.disable');
    } catch {
      // The session may already be gone; disconnect below is what releases it.
    }
    session.disconnect();
    inFlight = false;
  }
}
