import type { Redis } from 'ioredis';
import { KEY_PREFIX, keys } from './redis-scripts.js';
import type { ControlCommand, SessionRecord } from './session-store.js';

/**
 * Pub/sub delivers at most once: a replica whose subscriber connection was down while a kill or a
 * revoke was published would never hear it, and a revoked session would live on. So every kill is
 * also written as a short-lived marker, and a replica that (re)connects checks its live sessions
 * against the markers and against the expiry stored in Redis, and applies what it missed before it
 * re-registers them. Markers (JSON `{at, message?}`) expire after MARKER_TTL_SECONDS:
 *   ps:kill:<id>                      one session killed
 *   ps:{t}:kill-subject:<subject>     a subject of tenant t revoked (sessions started before `at`)
 *   ps:{t}:kill-tenant                a whole tenant revoked (sessions started before `at`)
 */
export const MARKER_TTL_SECONDS = 3600;

export const markerKeys = {
  kill: (id: string): string => `${KEY_PREFIX}kill:${id}`,
  subject: (tenant: string, subject: string): string => `${KEY_PREFIX}{${tenant}}:kill-subject:${subject}`,
  tenant: (tenant: string): string => `${KEY_PREFIX}{${tenant}}:kill-tenant`,
};

/** True for marker keys (time-bounded tombstones, like rate counters; tests ignore them). */
export function isMarkerKey(key: string): boolean {
  return /^ps:kill:|:kill-subject:|:kill-tenant$/.test(key);
}

/** The marker a control command leaves behind, if any (`set-expiry` needs none: the hash holds the expiry). */
export function markerFor(command: ControlCommand, now: number): { key: string; value: string } | null {
  const value = JSON.stringify({
    at: now,
    ...(command.kind !== 'set-expiry' && command.message !== undefined ? { message: command.message } : {}),
  });
  switch (command.kind) {
    case 'kill':
      return { key: markerKeys.kill(command.sessionId), value };
    case 'kill-subject':
      return { key: markerKeys.subject(command.tenant, command.subject), value };
    case 'kill-tenant':
      return { key: markerKeys.tenant(command.tenant), value };
    case 'set-expiry':
      return null;
  }
}

function parseMarker(raw: unknown): { at: number; message?: string } | null {
  if (typeof raw !== 'string') return null;
  try {
    const v = JSON.parse(raw) as { at?: unknown; message?: unknown };
    if (typeof v.at !== 'number') return null;
    return typeof v.message === 'string' ? { at: v.at, message: v.message } : { at: v.at };
  } catch {
    return null;
  }
}

/**
 * The commands this replica missed for the given live sessions: a kill marker for the session, a
 * subject or tenant revoke issued after the session started, or an expiry in Redis earlier than the
 * local one (an operator shortened it). At most one command per session; revokes come back as
 * `kill` of the one session.
 */
export async function findMissedCommands(redis: Redis, records: readonly SessionRecord[]): Promise<ControlCommand[]> {
  if (records.length === 0) return [];
  const pipe = redis.pipeline();
  for (const r of records) {
    pipe.get(markerKeys.kill(r.id));
    pipe.get(markerKeys.subject(r.tenant, r.subject));
    pipe.get(markerKeys.tenant(r.tenant));
    pipe.hget(keys.session(r.tenant, r.id), 'expiresAt');
  }
  const replies = (await pipe.exec()) ?? [];
  const out: ControlCommand[] = [];
  records.forEach((r, i) => {
    const [kill, subject, tenant, expiry] = replies.slice(i * 4, i * 4 + 4).map(([err, v]) => (err ? null : v));
    const msg = (m: { message?: string }): { message?: string } =>
      m.message !== undefined ? { message: m.message } : {};
    const k = parseMarker(kill);
    const s = parseMarker(subject);
    const t = parseMarker(tenant);
    // Revokes are replayed as per-session kills: a session started after the revoke must survive.
    const hit = k ?? (s && s.at >= r.startedAt ? s : null) ?? (t && t.at >= r.startedAt ? t : null);
    if (hit) out.push({ kind: 'kill', sessionId: r.id, ...msg(hit) });
    else if (typeof expiry === 'string' && Number(expiry) < r.expiresAt)
      out.push({ kind: 'set-expiry', sessionId: r.id, expiresAt: Number(expiry) });
  });
  return out;
}
