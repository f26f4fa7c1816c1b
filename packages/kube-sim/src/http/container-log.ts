import type { ServerResponse } from 'node:http';
import type { ClusterStore } from '../fixtures/store.js';
import { badRequest, notFound } from './status-error.js';

/**
 * `GET pods/{name}/log?container=C`: the output of an ephemeral container's main process (what
 * `kubectl debug` falls back to when the container ended before it could attach). kube-sim keeps no
 * log for other containers (their processes are execs, not main processes): the answer is empty.
 * `follow`, `tailLines`, `sinceSeconds` and the like are not simulated.
 */
export function serveContainerLog(
  res: ServerResponse,
  store: ClusterStore,
  query: URLSearchParams,
  namespace: string,
  name: string,
): void {
  const p = store.getPod(namespace, name);
  if (p === undefined) throw notFound('pods', name);
  const requested = query.get('container') ?? '';
  const all = [...p.pod.containers, ...p.pod.initContainers, ...p.pod.ephemeralContainers];
  let container = all.find((c) => c.name === requested);
  if (requested === '') {
    if (p.pod.containers.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${all.map((c) => c.name).join(' ')}]`,
      );
    }
    container = p.pod.containers[0];
  }
  if (container === undefined) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  const body = Buffer.concat(container.api?.log ?? []);
  res.writeHead(200, {
    'Cache-Control': 'no-cache, private',
    'Content-Type': 'text/plain',
    'Content-Length': body.length,
  });
  res.end(body);
}
