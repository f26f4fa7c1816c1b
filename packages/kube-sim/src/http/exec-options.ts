import type { ContainerFixture, PodFixture } from '../fixtures/types.js';
import { badRequest } from './status-error.js';

/** PodExecOptions / PodAttachOptions from the query string. */
export interface StreamOptions {
  command: string[];
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * runtime.Convert_Slice_string_To_bool: a missing boolean is false; a present one is true unless its
 * first value is `0` or `false` (any case). `command` repeats once per argv element, never split.
 */
export function parseStreamOptions(query: URLSearchParams): StreamOptions {
  const bool = (key: string): boolean => {
    const v = query.getAll(key);
    if (v.length === 0) return false;
    const first = (v[0] ?? '').toLowerCase();
    return !(first === '0' || first === 'false');
  };
  return {
    command: query.getAll('command'),
    container: query.get('container') ?? '',
    stdin: bool('stdin'),
    stdout: bool('stdout'),
    stderr: bool('stderr'),
    tty: bool('tty'),
  };
}

/**
 * The apiserver's container choice (registry/core/pod strategy): the named container among regular,
 * init and ephemeral ones; with none named, the only container, or a 400 listing every choice.
 */
export function chooseContainer(pod: PodFixture, requested: string): ContainerFixture {
  if (requested === '') {
    // Only regular containers count for the default; the error lists every container in
    // podutil.VisitContainers order (init, regular, ephemeral) as Go prints a []string.
    const only = pod.containers.length === 1 ? pod.containers[0] : undefined;
    if (only !== undefined) return only;
    if (pod.containers.length === 0) throw badRequest(`a container name must be specified for pod ${pod.name}`);
    const names = [...pod.initContainers, ...pod.containers, ...pod.ephemeralContainers].map((c) => c.name);
    throw badRequest(`a container name must be specified for pod ${pod.name}, choose one of: [${names.join(' ')}]`);
  }
  const found = [...pod.containers, ...pod.initContainers, ...pod.ephemeralContainers].find(
    (c) => c.name === requested,
  );
  if (found === undefined) throw badRequest(`container ${requested} is not valid for pod ${pod.name}`);
  return found;
}
