/**
 * Tokens never reach a log, a metric label or a debug page (threat 2), not even in pieces. A JWT is
 * three base64url parts whose first two are JSON objects, so each begins `eyJ` (`{"`). Redacted:
 *   - anything shaped like a whole JWT (`eyJ….….…`), as before;
 *   - any fragment that begins `eyJ` and decodes to the start of a JSON object key (`{"alg"…`,
 *     `{"sub"…`): a client close reason holding the first 120 characters of a token, a token cut
 *     off in a header, a payload part on its own.
 * Random base64url (session ids) contains `eyJ` now and then; such a fragment is left alone unless
 * its bytes also decode to `{"` + a short key + `"`, which random bytes almost never do.
 */
const WHOLE_JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const FRAGMENT = /eyJ[A-Za-z0-9_-]{9,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
/** `{"` then a JSON key of 1–8 word characters and its closing quote, at the start of the decoded bytes. */
const JSON_KEY_START = /^\{"[A-Za-z0-9_$-]{1,8}"/;

export const REDACTED = '[redacted-token]';

function looksLikeJwtPart(fragment: string): boolean {
  const first = fragment.slice(0, 16).split('.')[0]!;
  const decoded = Buffer.from(first.slice(0, first.length - (first.length % 4)), 'base64url').toString('latin1');
  return JSON_KEY_START.test(decoded);
}

/** A resume subprotocol entry (`pod-shell.resume.<session id>.<secret>.<offset>`): its secret is a credential too. */
const RESUME_SECRET = /(pod-shell\.resume\.[A-Za-z0-9_-]+\.)[A-Za-z0-9_-]+/g;
export const REDACTED_RESUME = '[redacted-resume-secret]';

export function redact(text: string): string {
  if (text.includes('pod-shell.resume.')) text = text.replace(RESUME_SECRET, `$1${REDACTED_RESUME}`);
  if (!text.includes('eyJ')) return text;
  return text.replace(WHOLE_JWT, REDACTED).replace(FRAGMENT, (m) => (looksLikeJwtPart(m) ? REDACTED : m));
}

/** `redact` applied to every string inside a plain value (objects, arrays), depth-bounded. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[redact(k)] = redactDeep(v, depth + 1);
  return out;
}
