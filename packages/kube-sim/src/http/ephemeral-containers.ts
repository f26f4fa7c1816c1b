import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterStore, StoredPod } from '../fixtures/store.js';
import type { ContainerFixture } from '../fixtures/types.js';
import { newEphemeralContainers } from './ephemeral-spec.js';
import { PATCH_TYPES, applyJsonPatch, applyMergePatch, strategicMerge, type Json } from './patch.js';
import { podJson } from './pod-json.js';
import { readBody } from './read-body.js';
import { sendJson } from './respond.js';
import { StatusError, badRequest, notFound } from './status-error.js';

/**
 * `pods/{name}/ephemeralcontainers`: GET the pod, PATCH it (JSON patch, merge patch, strategic merge
 * patch — kubectl debug sends the last) or PUT a whole Pod. Only `spec.ephemeralContainers` is taken
 * from the result (the apiserver's dropNonEphemeralContainerUpdates); the answer is the updated Pod.
 */

/** The apiserver's request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const UNSUPPORTED_PATCH =
  'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json';

function parseJson(body: Buffer, what: string): Json {
  try {
    return JSON.parse(body.toString('utf8')) as Json;
  } catch (e) {
    throw badRequest(`error decoding ${what}: ${(e as Error).message}`);
  }
}

function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

function podObject(p: StoredPod): Json {
  return podJson(p.pod, { index: p.index, resourceVersion: p.resourceVersion }) as Json;
}

/** The pod after applying the request's body to the stored one (PATCH) or the body itself (PUT). */
function updatedPod(req: IncomingMessage, body: Buffer, verb: 'patch' | 'update', p: StoredPod): Json {
  const current = podObject(p);
  if (verb === 'update') {
    const obj = parseJson(body, 'body');
    const md = (obj as { metadata?: { name?: unknown; resourceVersion?: unknown } } | null)?.metadata;
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw badRequest("Object 'Kind' is missing in '" + body.toString('utf8').slice(0, 100) + "'");
    if (md?.name !== undefined && md.name !== p.pod.name)
      throw badRequest(
        `the name of the object (${typeof md.name === 'string' ? md.name : JSON.stringify(md.name)}) does not match the name on the URL (${p.pod.name})`,
      );
    if (md?.resourceVersion !== undefined && md.resourceVersion !== '' && md.resourceVersion !== p.resourceVersion) {
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on pods "${p.pod.name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: p.pod.name, kind: 'pods' },
      );
    }
    return obj;
  }
  const type = mediaType(req);
  if (type === PATCH_TYPES.json) return applyJsonPatch(current, parseJson(body, 'patch'));
  if (type === PATCH_TYPES.merge) return applyMergePatch(current, parseJson(body, 'patch'));
  if (type === PATCH_TYPES.strategic) return strategicMerge(current, parseJson(body, 'patch'));
  throw new StatusError(415, 'UnsupportedMediaType', UNSUPPORTED_PATCH);
}

export async function serveEphemeralContainers(
  req: IncomingMessage,
  res: ServerResponse,
  store: ClusterStore,
  verb: 'get' | 'patch' | 'update',
  namespace: string,
  name: string,
): Promise<void> {
  const body = verb === 'get' ? Buffer.alloc(0) : await readBody(req, MAX_BODY_BYTES);
  const p = store.getPod(namespace, name);
  if (p === undefined) throw notFound('pods', name);
  if (verb === 'get') return sendJson(res, 200, podObject(p));
  const patched = updatedPod(req, body, verb, p);
  const spec = (patched as { spec?: { ephemeralContainers?: Json } }).spec;
  const added = newEphemeralContainers(p.pod, spec?.ephemeralContainers);
  if (added.length > 0) {
    store.updatePod(p, (pod) => {
      for (const a of added) {
        const c: ContainerFixture = {
          name: typeof a.spec['name'] === 'string' ? a.spec['name'] : '',
          image: typeof a.spec['image'] === 'string' ? a.spec['image'] : '',
          mode: 'process',
          env: {},
          missingBinaries: [],
          running: false,
          api: a.api,
        };
        pod.ephemeralContainers.push(c);
      }
    });
  }
  sendJson(res, 200, podObject(p));
}
