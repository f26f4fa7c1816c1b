import type { StatusCause } from '@pod-shell/protocol';
import type { ApiContainer, PodFixture } from '../fixtures/types.js';
import { canonical, type Json } from './patch.js';
import { StatusError } from './status-error.js';

/**
 * Validation and defaulting of `spec.ephemeralContainers` on an update through the
 * `pods/ephemeralcontainers` subresource, worded like the apiserver's ValidatePodEphemeralContainersUpdate:
 * existing ephemeral containers may be neither removed nor changed; new ones need a unique DNS-label
 * name and an image, may target only a regular or init container, and may not set ports, probes,
 * lifecycle or resources.
 */

type JsonObject = { [k: string]: Json };

/** EphemeralContainerCommon's JSON fields in Go struct order (the order the apiserver marshals). */
const FIELD_ORDER = [
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
  'targetContainerName',
];
/** Fields an ephemeral container may not set ("cannot be set for an Ephemeral Container"). */
const FORBIDDEN_FIELDS = [
  'ports',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'resizePolicy',
  'restartPolicy',
];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
/** What kube-sim runs when an image's entrypoint is used (no images: every "image" is the host, whose default is a shell). */
export const DEFAULT_IMAGE_COMMAND = ['sh'];

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** imagePullPolicy's default: Always for `:latest` or no tag (and no digest), IfNotPresent otherwise. */
function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The stored form: known fields only, Go order, defaults applied (SetDefaults_EphemeralContainer). */
export function normalizeEphemeralSpec(raw: JsonObject): JsonObject {
  const withDefaults: JsonObject = {
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    ...raw,
  };
  if (withDefaults['imagePullPolicy'] === undefined && typeof raw['image'] === 'string')
    withDefaults['imagePullPolicy'] = defaultPullPolicy(raw['image']);
  const out: JsonObject = {};
  for (const k of FIELD_ORDER) {
    const v = withDefaults[k];
    if (v !== undefined && v !== null && v !== false && v !== '' && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  }
  if (out['resources'] === undefined) out['resources'] = {};
  return out;
}

function cause(reason: string, field: string, message: string): StatusCause {
  return { reason, message, field };
}

function strings(v: Json | undefined): v is string[] {
  return v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
}

/** 422 `Pod "P" is invalid: …` with one cause per problem, as kubectl prints them. */
export function invalidPod(podName: string, causes: StatusCause[]): StatusError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new StatusError(422, 'Invalid', `Pod "${podName}" is invalid: ${joined}`, {
    name: podName,
    kind: 'Pod',
    causes,
  });
}

/**
 * Checks the patched list against the pod and returns the containers to add (in list order).
 * Throws 400 for a body that does not decode as a Pod, 422 for a rejected update.
 */
export function newEphemeralContainers(
  pod: PodFixture,
  list: Json | undefined,
): { spec: JsonObject; api: ApiContainer }[] {
  if (list !== undefined && list !== null && !Array.isArray(list))
    throw new StatusError(
      400,
      'BadRequest',
      'json: cannot unmarshal object into Go struct field PodSpec.spec.ephemeralContainers of type []v1.EphemeralContainer',
    );
  const items = list ?? [];
  const causes: StatusCause[] = [];
  const path = 'spec.ephemeralContainers';
  const byName = new Map<string, JsonObject>();
  items.forEach((item, i) => {
    if (!isObject(item))
      throw new StatusError(
        400,
        'BadRequest',
        `json: cannot unmarshal ${Array.isArray(item) ? 'array' : typeof item} into Go struct field PodSpec.spec.ephemeralContainers of type v1.EphemeralContainer`,
      );
    for (const k of ['command', 'args'] as const) {
      if (!strings(item[k]))
        throw new StatusError(
          400,
          'BadRequest',
          `json: cannot unmarshal into Go struct field EphemeralContainer.spec.ephemeralContainers.${k} of type []string`,
        );
    }
    byName.set(typeof item['name'] === 'string' ? item['name'] : `#${i}`, item);
  });
  // Existing ones: each must still be there, unchanged.
  for (const old of pod.ephemeralContainers) {
    const now = byName.get(old.name);
    const stored = old.api?.spec ?? null;
    if (now === undefined)
      causes.push(
        cause(
          'FieldValueForbidden',
          path,
          `Forbidden: existing ephemeral containers "${old.name}" may not be removed\n`,
        ),
      );
    else if (stored !== null && canonical(normalizeEphemeralSpec(now)) !== canonical(stored as Json)) {
      causes.push(
        cause(
          'FieldValueForbidden',
          path,
          `Forbidden: existing ephemeral containers "${old.name}" may not be changed\n`,
        ),
      );
    }
  }
  const regular = new Set([...pod.containers, ...pod.initContainers].map((c) => c.name));
  const all = new Set(regular);
  const added: { spec: JsonObject; api: ApiContainer }[] = [];
  items.forEach((item, i) => {
    const o = item as JsonObject;
    const at = `${path}[${i}]`;
    const name = typeof o['name'] === 'string' ? o['name'] : '';
    const existing = pod.ephemeralContainers.some((c) => c.name === name);
    if (name === '') causes.push(cause('FieldValueRequired', `${at}.name`, 'Required value'));
    else if (!DNS_LABEL.test(name) || name.length > 63)
      causes.push(cause('FieldValueInvalid', `${at}.name`, `Invalid value: "${name}": ${DNS_LABEL_MESSAGE}`));
    if (all.has(name)) causes.push(cause('FieldValueDuplicate', `${at}.name`, `Duplicate value: "${name}"`));
    else all.add(name);
    if (existing) return;
    const image = typeof o['image'] === 'string' ? o['image'] : '';
    if (image === '') causes.push(cause('FieldValueRequired', `${at}.image`, 'Required value'));
    const target = typeof o['targetContainerName'] === 'string' ? o['targetContainerName'] : '';
    if (target !== '' && !regular.has(target))
      causes.push(cause('FieldValueNotFound', `${at}.targetContainerName`, `Not found: "${target}"`));
    for (const f of FORBIDDEN_FIELDS) {
      if (o[f] !== undefined && o[f] !== null)
        causes.push(cause('FieldValueForbidden', `${at}.${f}`, 'Forbidden: cannot be set for an Ephemeral Container'));
    }
    if (isObject(o['resources']) && Object.keys(o['resources']).length > 0)
      causes.push(
        cause('FieldValueForbidden', `${at}.resources`, 'Forbidden: cannot be set for an Ephemeral Container'),
      );
    const spec = normalizeEphemeralSpec(o);
    const command = (o['command'] as string[] | undefined) ?? [];
    const args = (o['args'] as string[] | undefined) ?? [];
    const argv = command.length > 0 ? [...command, ...args] : [...DEFAULT_IMAGE_COMMAND, ...args];
    added.push({
      spec,
      api: {
        spec,
        argv,
        stdin: o['stdin'] === true,
        stdinOnce: o['stdinOnce'] === true,
        tty: o['tty'] === true,
        targetContainerName: target,
        state: { kind: 'waiting', reason: 'ContainerCreating' },
        log: [],
      },
    });
  });
  if (causes.length > 0) throw invalidPod(pod.name, causes);
  return added;
}
