import { StatusError } from './status-error.js';

/**
 * The three PATCH body types the apiserver accepts for core objects, applied to a Pod's JSON:
 * JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch (lists of named things
 * merged by their key, as kubectl's `CreateTwoWayMergePatch` produces them). Only Pod fields are known.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

/** A patch that cannot be applied: the apiserver answers 422 with the patch library's words. */
function unprocessable(message: string): StatusError {
  return new StatusError(422, 'Invalid', message);
}

// ---- RFC 6902 --------------------------------------------------------------------------------

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw unprocessable(`jsonpatch: invalid path ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, tokens: string[], op: string, path: string): { parent: JsonObject | Json[]; key: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)] ?? null;
    else if (isObject(cur)) cur = cur[t] ?? null;
    else cur = null;
    if (cur === null) break;
  }
  if (!Array.isArray(cur) && !isObject(cur))
    throw unprocessable(`jsonpatch ${op} operation does not apply: doc is missing path: "${path}"`);
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function arrayIndex(arr: Json[], key: string, forAdd: boolean, op: string, path: string): number {
  if (forAdd && key === '-') return arr.length;
  const i = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : NaN;
  if (Number.isNaN(i) || i > arr.length || (!forAdd && i === arr.length))
    throw unprocessable(`jsonpatch ${op} operation does not apply: doc is missing path: "${path}"`);
  return i;
}

function getAt(doc: Json, path: string, op: string): Json {
  let cur: Json = doc;
  for (const t of pointer(path)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (next === undefined)
      throw unprocessable(`jsonpatch ${op} operation does not apply: doc is missing path: "${path}"`);
    cur = next;
  }
  return cur;
}

function removeAt(doc: Json, path: string, op: string): Json {
  const { parent, key } = parentOf(doc, pointer(path), op, path);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, false, op, path), 1)[0] ?? null;
  if (!(key in parent)) throw unprocessable(`jsonpatch ${op} operation does not apply: doc is missing path: "${path}"`);
  const old = parent[key] ?? null;
  delete parent[key];
  return old;
}

function addAt(doc: Json, path: string, value: Json, op: string, replace: boolean): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, !replace, op, path);
    parent.splice(i, replace ? 1 : 0, value);
  } else {
    if (replace && !(key in parent))
      throw unprocessable(`jsonpatch ${op} operation does not apply: doc is missing key: ${path}`);
    parent[key] = value;
  }
  return doc;
}

export function applyJsonPatch(original: Json, ops: unknown): Json {
  if (!Array.isArray(ops))
    throw new StatusError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(original);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string')
      throw unprocessable('jsonpatch: operation is missing op or path');
    const { op, path } = raw as { op: string; path: string };
    switch (op) {
      case 'add':
      case 'replace':
        if (!('value' in raw)) throw unprocessable(`jsonpatch ${op} operation does not apply: value is missing`);
        doc = addAt(doc, path, clone(raw['value'] ?? null), op, op === 'replace');
        break;
      case 'remove':
        removeAt(doc, path, op);
        break;
      case 'move':
      case 'copy': {
        if (typeof raw['from'] !== 'string')
          throw unprocessable(`jsonpatch ${op} operation does not apply: from is missing`);
        const value = op === 'move' ? removeAt(doc, raw['from'], op) : clone(getAt(doc, raw['from'], op));
        doc = addAt(doc, path, value, op, false);
        break;
      }
      case 'test':
        if (canonical(getAt(doc, path, op)) !== canonical(raw['value'] ?? null))
          throw unprocessable(`testing value ${path} failed: test failed`);
        break;
      default:
        throw unprocessable(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

// ---- RFC 7386 --------------------------------------------------------------------------------

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k] ?? null, v);
  }
  return out;
}

// ---- strategic merge patch -------------------------------------------------------------------

/** patchMergeKey of the Pod lists that merge (k8s.io/api/core/v1 struct tags); other lists are replaced. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  tolerations: 'key',
  hostAliases: 'ip',
  conditions: 'type',
  finalizers: '',
};

function mergeList(field: string, current: Json[], patch: Json[]): Json[] {
  const key = MERGE_KEYS[field];
  if (key === undefined) return clone(patch);
  if (key === '') return [...current, ...patch.filter((p) => !current.some((c) => canonical(c) === canonical(p)))];
  const out = clone(current);
  for (const item of patch) {
    if (!isObject(item)) throw unprocessable(`merging an object in json but data type is not map[string]interface{}`);
    const directive = item['$patch'];
    const idx = out.findIndex((c) => isObject(c) && canonical(c[key] ?? null) === canonical(item[key] ?? null));
    if (directive === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (directive === 'replace') {
      const { $patch: _omit, ...rest } = item;
      if (idx >= 0) out[idx] = clone(rest);
      else out.push(clone(rest));
    } else if (idx >= 0) {
      out[idx] = strategicMerge(out[idx] ?? null, item);
    } else {
      out.push(strategicMerge(null, item));
    }
  }
  return out;
}

/** `$setElementOrder/<field>`: the listed keys first, in that order, then any others in their order. */
function reorder(list: Json[], key: string, order: Json[]): Json[] {
  const rank = (item: Json): number => {
    const v = isObject(item) ? canonical(item[key] ?? null) : canonical(item);
    const i = order.findIndex((o) => canonical(isObject(o) ? (o[key] ?? null) : o) === v);
    return i < 0 ? order.length : i;
  };
  return [...list].sort((a, b) => rank(a) - rank(b));
}

export function strategicMerge(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') {
    const { $patch: _omit, ...rest } = patch;
    return clone(rest);
  }
  if (patch['$patch'] === 'delete') return {};
  const out: JsonObject = isObject(target) ? clone(target) : {};
  const retain = patch['$retainKeys'];
  for (const [k, v] of Object.entries(patch)) {
    if (
      k === '$patch' ||
      k === '$retainKeys' ||
      k.startsWith('$setElementOrder/') ||
      k.startsWith('$deleteFromPrimitiveList/')
    )
      continue;
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(k, Array.isArray(out[k]) ? out[k] : [], v);
    else if (isObject(v)) out[k] = strategicMerge(out[k] ?? null, v);
    else out[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') && Array.isArray(v)) {
      const field = k.slice('$setElementOrder/'.length);
      const list = out[field];
      if (Array.isArray(list)) out[field] = reorder(list, MERGE_KEYS[field] ?? '', v);
    } else if (k.startsWith('$deleteFromPrimitiveList/') && Array.isArray(v)) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const list = out[field];
      if (Array.isArray(list)) out[field] = list.filter((x) => !v.some((d) => canonical(d) === canonical(x)));
    }
  }
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

/** Key-order independent JSON text, for equality. */
export function canonical(v: Json | undefined): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}
