import { badRequest } from './status-error.js';

/**
 * Label selectors as `labelSelector=` carries them (apimachinery labels.Parse): equality
 * (`k=v`, `k==v`, `k!=v`), set-based (`k in (a,b)`, `k notin (a,b)`), existence (`k`, `!k`),
 * comma-separated requirements that must all hold.
 */
type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type LabelSelector = (labels: Record<string, string>) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

/** Splits on commas outside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function checkKey(key: string, raw: string): string {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${raw}"`);
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value) || value.length > 63)
    throw badRequest(`unable to parse requirement: invalid label value: "${value}"`);
  return value;
}

function parseRequirement(raw: string): Requirement {
  const s = raw.trim();
  let m = /^!\s*(\S+)$/.exec(s);
  if (m !== null) return { op: 'notexists', key: checkKey(m[1] ?? '', s) };
  m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(s);
  if (m !== null) {
    const values = (m[3] ?? '').split(',').map((v) => checkValue(v.trim()));
    return { op: m[2] === 'in' ? 'in' : 'notin', key: checkKey(m[1] ?? '', s), values };
  }
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(s);
  if (m !== null)
    return { op: m[2] === '!=' ? 'neq' : 'eq', key: checkKey(m[1] ?? '', s), value: checkValue(m[3] ?? '') };
  if (/^[^=!\s(),]+$/.test(s)) return { op: 'exists', key: checkKey(s, s) };
  throw badRequest(`unable to parse requirement: found '${s}', expected: identifier or operator`);
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'eq':
      return has && v === r.value;
    case 'neq':
      return !has || v !== r.value;
    case 'in':
      return has && r.values.includes(v ?? '');
    case 'notin':
      return !has || !r.values.includes(v ?? '');
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

/** Parses a selector; an empty or missing selector matches everything. Throws a 400 StatusError when malformed. */
export function parseLabelSelector(selector: string | null): LabelSelector {
  if (selector === null || selector.trim() === '') return () => true;
  const reqs = splitTop(selector).map(parseRequirement);
  return (labels) => reqs.every((r) => matches(r, labels));
}

/**
 * Field selectors the apiserver supports for pods, equality forms only: metadata.name,
 * metadata.namespace, spec.nodeName, status.phase.
 */
export function parseFieldSelector(selector: string | null): (fields: Record<string, string>) => boolean {
  if (selector === null || selector.trim() === '') return () => true;
  const reqs = selector.split(',').map((part) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(\S*)\s*$/.exec(part);
    if (m === null) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const field = m[1] ?? '';
    if (!['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'].includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, neq: m[2] === '!=', value: m[3] ?? '' };
  });
  return (fields) => reqs.every((r) => (fields[r.field] === r.value) !== r.neq);
}
