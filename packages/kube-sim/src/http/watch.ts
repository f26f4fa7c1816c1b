import type { IncomingMessage, ServerResponse } from 'node:http';
import { goJsonStringify } from '@pod-shell/protocol';
import type { ClusterStore, StoredPod } from '../fixtures/store.js';
import { parseFieldSelector, parseLabelSelector } from './label-selector.js';
import { podJson } from './pod-json.js';
import { podFields } from './resources.js';
import { badRequest } from './status-error.js';

/**
 * `GET …/pods?watch=true`: a chunked stream of watch events, one JSON object per line
 * (`{"type":"ADDED","object":{…Pod…}}`), as the apiserver writes them for `application/json`.
 *
 * - no `resourceVersion` (or `0`): an ADDED event per matching pod, then changes;
 * - `resourceVersion=N`: changes after N (kube-sim keeps no history: a pod changed since N is sent once
 *   as MODIFIED with its current state, like a watch cache that compacted the steps in between);
 * - `sendInitialEvents=true` (client-go's WatchList): ADDED per pod, then a BOOKMARK annotated
 *   `k8s.io/initial-events-end: "true"`;
 * - `timeoutSeconds`: the stream ends after that long (clients then re-watch).
 */
export function watchPods(
  req: IncomingMessage,
  res: ServerResponse,
  store: ClusterStore,
  query: URLSearchParams,
  namespace: string | null,
): void {
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'));
  const rvParam = query.get('resourceVersion') ?? '';
  if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${rvParam}`);
  const since = rvParam === '' ? 0 : Number(rvParam);
  const matches = (p: StoredPod): boolean =>
    (namespace === null || p.pod.namespace === namespace) && labels(p.pod.labels) && fields(podFields(p));
  const object = (p: StoredPod): unknown => podJson(p.pod, { index: p.index, resourceVersion: p.resourceVersion });
  const send = (type: string, obj: unknown): void => {
    res.write(`${goJsonStringify({ type, object: obj })}\n`);
  };

  res.writeHead(200, {
    'Cache-Control': 'no-cache, private',
    'Content-Type': 'application/json',
    'X-Content-Type-Options': 'nosniff',
  });
  res.flushHeaders();
  const initial = store.listPods(namespace).filter(matches);
  if (query.get('sendInitialEvents') === 'true') {
    for (const p of initial) send('ADDED', object(p));
    send('BOOKMARK', {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        resourceVersion: store.listResourceVersion,
        creationTimestamp: null,
        annotations: { 'k8s.io/initial-events-end': 'true' },
      },
      spec: { containers: null },
      status: {},
    });
  } else if (since === 0) {
    for (const p of initial) send('ADDED', object(p));
  } else {
    for (const p of initial) if (Number(p.resourceVersion) > since) send('MODIFIED', object(p));
  }

  const stop = store.onChange((change) => {
    if (matches(change.stored)) send(change.type, object(change.stored));
  });
  const timeout = Number(query.get('timeoutSeconds') ?? '0');
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  const finish = (): void => {
    stop();
    clearTimeout(timer);
  };
  res.once('close', finish);
  req.once('close', finish);
}
