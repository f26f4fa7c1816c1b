import { createRequire } from 'node:module';
import type { KubeObject } from './deploy-files.js';

const require = createRequire(import.meta.url);

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/**
 * The kubernetes-models class for an object's apiVersion/kind (core and built-in groups from
 * `kubernetes-models`, monitoring.coreos.com from `@kubernetes-models/prometheus-operator`).
 * Throws for a kind no schema covers: an object nothing can check is a test failure.
 */
export function modelFor(o: KubeObject): ModelClass {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const pkg = group === 'monitoring.coreos.com' ? '@kubernetes-models/prometheus-operator' : 'kubernetes-models';
  const path = `${pkg}/${group === '' ? '' : `${group}/`}${version}/${o.kind}`;
  let mod: Record<string, ModelClass>;
  try {
    mod = require(path) as Record<string, ModelClass>;
  } catch {
    throw new Error(`no schema for ${o.apiVersion} ${o.kind} (${path})`);
  }
  const cls = mod[o.kind];
  if (cls === undefined) throw new Error(`${path} exports no ${o.kind}`);
  return cls;
}

/** kustomize wraps long base64 Secret data in lines; the apiserver's base64 decoder ignores newlines, the schema's `byte` format does not. */
function apiserverView(o: KubeObject): KubeObject {
  if (o.kind !== 'Secret' || typeof o['data'] !== 'object' || o['data'] === null) return o;
  const data = Object.fromEntries(
    Object.entries(o['data'] as Record<string, string>).map(([k, v]) => [k, v.replace(/\n/g, '')]),
  );
  return { ...o, data };
}

/** Validates an object against its Kubernetes (or Prometheus Operator) schema; throws with the schema's errors. */
export function validateObject(o: KubeObject): void {
  const Model = modelFor(o);
  try {
    new Model(apiserverView(o)).validate();
  } catch (err) {
    throw new Error(`${o.kind} ${o.metadata.name}: ${(err as Error).message}`, { cause: err });
  }
}
