import type { ControlCommand, LockRecord, SessionRecord } from './session-store.js';
import { RECORD_FIELDS } from './redis-scripts.js';

/**
 * What crosses the wire to Redis: session records (hash fields, all strings) and control commands
 * (JSON on the control channel, validated on receipt — a malformed message is dropped, never acted on).
 */

/** Numbers travel as strings so Lua never formats a timestamp in exponent notation. */
export function encodeRecord(r: SessionRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of RECORD_FIELDS) out[f] = String(r[f]);
  return out;
}

export function decodeRecord(h: Record<string, string>): SessionRecord | null {
  if (!h['id'] || !h['tenant']) return null;
  const limit = h['limitAt'] !== undefined ? { limitAt: Number(h['limitAt']) } : {};
  const observers = h['observers'] !== undefined ? { observers: Number(h['observers']) } : {};
  return {
    ...limit,
    ...observers,
    id: h['id'],
    tenant: h['tenant'],
    subject: h['subject'] ?? '',
    namespace: h['namespace'] ?? '',
    pod: h['pod'] ?? '',
    container: h['container'] ?? '',
    replica: h['replica'] ?? '',
    clientIp: h['clientIp'] ?? '',
    startedAt: Number(h['startedAt']),
    expiresAt: Number(h['expiresAt']),
  };
}

/** A lock as JSON: absent fields are left out (Lua's cjson would turn a null into a truthy value). */
export function encodeLock(l: LockRecord): string {
  return JSON.stringify(l);
}

/** A lock read back from Redis; null when it does not have the shape of one. */
export function decodeLock(text: string): LockRecord | null {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v['id'] !== 'string' || typeof v['tenant'] !== 'string' || typeof v['createdAt'] !== 'number')
      return null;
    const opt = (k: 'subject' | 'namespace' | 'pod'): Partial<LockRecord> =>
      typeof v[k] === 'string' ? { [k]: v[k] } : {};
    return {
      id: v['id'],
      tenant: v['tenant'],
      ...opt('subject'),
      ...opt('namespace'),
      ...opt('pod'),
      message: typeof v['message'] === 'string' ? v['message'] : '',
      createdAt: v['createdAt'],
      ...(typeof v['expiresAt'] === 'number' ? { expiresAt: v['expiresAt'] } : {}),
      createdBy: typeof v['createdBy'] === 'string' ? v['createdBy'] : 'operator',
    };
  } catch {
    return null;
  }
}

/** Validates a control message from the channel; anything malformed is dropped (returns null). */
export function parseControlCommand(text: string): ControlCommand | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  const s = (k: string): boolean => typeof m[k] === 'string' && m[k].length > 0;
  const message = typeof m['message'] === 'string' ? { message: m['message'] } : {};
  switch (m['kind']) {
    case 'kill':
      return s('sessionId') ? { kind: 'kill', sessionId: m['sessionId'] as string, ...message } : null;
    case 'kill-subject':
      return s('tenant') && s('subject')
        ? { kind: 'kill-subject', tenant: m['tenant'] as string, subject: m['subject'] as string, ...message }
        : null;
    case 'kill-tenant':
      return s('tenant') ? { kind: 'kill-tenant', tenant: m['tenant'] as string, ...message } : null;
    case 'set-expiry':
      return s('sessionId') && Number.isFinite(m['expiresAt'])
        ? { kind: 'set-expiry', sessionId: m['sessionId'] as string, expiresAt: m['expiresAt'] as number }
        : null;
    default:
      return null;
  }
}

export function recordFromFields(values: Array<string | null>): SessionRecord | null {
  const h: Record<string, string> = {};
  RECORD_FIELDS.forEach((f, i) => {
    const v = values[i];
    if (typeof v === 'string') h[f] = v;
  });
  return decodeRecord(h);
}
