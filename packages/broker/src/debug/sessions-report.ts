import { jsonResponse, type DebugResponse } from './debug-response.js';

/**
 * `/debug/sessions`: the live sessions of this replica with what each one holds. Input is whatever
 * the session objects report about themselves (Session.info()); this adds ages, filters by tenant,
 * sorts oldest first and bounds the listing. Terminal content and tokens are never part of it
 * (and anything shaped like a JWT is redacted on output anyway).
 */
export interface SessionSnapshot {
  id: string;
  tenant: string;
  startedAt?: number;
  expiresAt?: number;
  lastActivityAt?: number;
  [field: string]: unknown;
}

export interface SessionsReportOptions {
  now?: number;
  /** Only this tenant's sessions. */
  tenant?: string | null;
  /** At most this many sessions in the listing (default 1000); counts cover all. */
  limit?: number;
  /** The replica's file transfers (`/v1/files`), listed beside the sessions. */
  transfers?: ReadonlyArray<{ tenant: string; startedAt: number }>;
}

const secondsBetween = (from: number | undefined, to: number): number | null =>
  typeof from === 'number' && Number.isFinite(from) ? Math.round((to - from) / 100) / 10 : null;

export function sessionsReport(
  sessions: Iterable<SessionSnapshot>,
  options: SessionsReportOptions = {},
): DebugResponse {
  const now = options.now ?? Date.now();
  const limit = Math.max(0, Math.min(options.limit ?? 1000, 100_000));
  const all = [...sessions].filter((s) => !options.tenant || s.tenant === options.tenant);
  all.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0) || a.id.localeCompare(b.id));
  const byTenant: Record<string, number> = {};
  for (const s of all) byTenant[s.tenant] = (byTenant[s.tenant] ?? 0) + 1;
  const listed = all.slice(0, limit).map((s) => ({
    ...s,
    ageSeconds: secondsBetween(s.startedAt, now),
    idleSeconds: secondsBetween(s.lastActivityAt, now),
    expiresInSeconds: typeof s.expiresAt === 'number' ? Math.round((s.expiresAt - now) / 100) / 10 : null,
  }));
  const transfers = (options.transfers ?? [])
    .filter((t) => !options.tenant || t.tenant === options.tenant)
    .map((t) => ({ ...t, ageSeconds: secondsBetween(t.startedAt, now) }));
  return jsonResponse(200, { now, count: all.length, shown: listed.length, byTenant, sessions: listed, transfers });
}
