import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, PodShellError } from '../errors.js';
import type { DebugContainerPolicy } from '../tenants/debug-policy.js';
import type { ClusterDial } from './kube-clusters.js';
import { kubeRequest } from './kube-request.js';
import { refusedUpgradeError } from './upstream-errors.js';

/**
 * The debug-container fallback's Kubernetes side: add an ephemeral container to the pod (as the
 * session's impersonated identity, so cluster RBAC on `pods/ephemeralcontainers` decides), or find the
 * owner's running one, and wait until it runs. The container is created like `kubectl debug -it`
 * (stdin + tty) plus `stdinOnce`, so its shell ends when the session's attach ends: nothing keeps
 * running after the session. The container record itself stays in the pod (Kubernetes cannot remove
 * ephemeral containers).
 */

/** How often the pod is read while waiting for the container to run. */
export const DEBUG_POLL_MS = 200;
/** Waiting reasons after which the container will not start by itself. */
const FATAL_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerError',
  'CreateContainerConfigError',
  'ErrImageNeverPull',
]);

export interface DebugContainerRequest {
  dial: ClusterDial;
  namespace: string;
  pod: string;
  /** The container whose image lacks a shell (its processes are shared when the policy says so); unset = the pod's default. */
  container?: string;
  /** Who the container belongs to (`tenant/sub`): its name is derived from it, and reuse is per owner. */
  owner: string;
  policy: DebugContainerPolicy;
  /** Impersonation headers of the session. */
  headers: Record<string, string | string[]>;
  /** True once the session ended: the wait stops polling the API at once. */
  cancelled?: () => boolean;
}

export interface DebugContainer {
  name: string;
  image: string;
  /** The container it shares processes with ('' when the policy does not share). */
  target: string;
  /** True when the owner's running debug container was reused rather than a new one added. */
  reused: boolean;
}

interface ContainerStatus {
  name: string;
  image?: string;
  state?: {
    running?: unknown;
    waiting?: { reason?: string; message?: string };
    terminated?: { exitCode?: number; reason?: string; message?: string };
  };
}

interface PodView {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: { name: string }[]; ephemeralContainers?: { name: string; image?: string }[] };
  status?: { ephemeralContainerStatuses?: ContainerStatus[] };
}

/** `pod-shell-debug-<10 hex of sha256(owner)>`: stable per owner, a valid container name, no personal data. */
export function debugNamePrefix(owner: string): string {
  return `pod-shell-debug-${createHash('sha256').update(owner).digest('hex').slice(0, 10)}`;
}

function podPath(namespace: string, pod: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`;
}

async function readPod(r: DebugContainerRequest, timeoutMs: number): Promise<PodView> {
  const res = await kubeRequest(r.dial, 'GET', podPath(r.namespace, r.pod), r.headers, timeoutMs);
  if (res.status !== 200) throw refusedUpgradeError(res.status, res.body);
  return JSON.parse(res.body) as PodView;
}

function targetContainer(r: DebugContainerRequest, pod: PodView): string {
  if (!r.policy.shareProcessNamespace) return '';
  if (r.container !== undefined && r.container !== '') return r.container;
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  return annotated ?? pod.spec?.containers?.[0]?.name ?? '';
}

/** Adds (or reuses) the owner's debug container and resolves once it runs. Throws PodShellError. */
export async function ensureDebugContainer(r: DebugContainerRequest): Promise<DebugContainer> {
  const deadline = Date.now() + r.policy.startTimeoutSeconds * 1000;
  const left = (): number => Math.max(1, deadline - Date.now());
  const pod = await readPod(r, left());
  const prefix = debugNamePrefix(r.owner);
  const image = r.policy.images[0]!;
  const target = targetContainer(r, pod);
  const mine = (pod.spec?.ephemeralContainers ?? []).filter((c) => c.name.startsWith(`${prefix}-`));
  if (r.policy.reuseRunning) {
    const running = mine.find(
      (c) =>
        r.policy.images.includes(c.image ?? '') &&
        pod.status?.ephemeralContainerStatuses?.some((s) => s.name === c.name && s.state?.running !== undefined),
    );
    if (running !== undefined) return { name: running.name, image: running.image ?? image, target, reused: true };
  }
  const name = `${prefix}-${mine.length + 1}`;
  const container: Record<string, unknown> = {
    name,
    image,
    stdin: true,
    stdinOnce: true,
    tty: true,
    terminationMessagePolicy: 'File',
  };
  if (target !== '') container['targetContainerName'] = target;
  const res = await kubeRequest(
    r.dial,
    'PATCH',
    `${podPath(r.namespace, r.pod)}/ephemeralcontainers`,
    { ...r.headers, 'Content-Type': 'application/strategic-merge-patch+json' },
    left(),
    JSON.stringify({ spec: { ephemeralContainers: [container] } }),
  );
  if (res.status === 403 || res.status === 404) throw refusedUpgradeError(res.status, res.body);
  if (res.status !== 200) {
    const why = refusedUpgradeError(res.status, res.body).message;
    throw new PodShellError(
      ErrorCode.DEBUG_CONTAINER_FAILED,
      `could not add a debug container to pod ${r.namespace}/${r.pod}: ${why}`,
    );
  }
  await waitRunning(r, name, deadline);
  return { name, image, target, reused: false };
}

async function waitRunning(r: DebugContainerRequest, name: string, deadline: number): Promise<void> {
  for (;;) {
    if (r.cancelled?.() === true)
      throw new PodShellError(
        ErrorCode.DEBUG_CONTAINER_FAILED,
        `stopped waiting for the debug container ${name}: the session ended`,
      );
    const pod = await readPod(r, Math.max(1, deadline - Date.now()));
    const state = pod.status?.ephemeralContainerStatuses?.find((s) => s.name === name)?.state;
    if (state?.running !== undefined) return;
    if (state?.terminated !== undefined) {
      const t = state.terminated;
      throw new PodShellError(
        ErrorCode.DEBUG_CONTAINER_FAILED,
        `the debug container ${name} ended before it could be used (${t.reason ?? 'terminated'}, exit code ${t.exitCode ?? '?'}${t.message ? `: ${t.message}` : ''})`,
      );
    }
    if (state?.waiting?.reason !== undefined && FATAL_WAITING.has(state.waiting.reason)) {
      throw new PodShellError(
        ErrorCode.DEBUG_CONTAINER_FAILED,
        `the debug container ${name} cannot start: ${state.waiting.reason}${state.waiting.message ? `: ${state.waiting.message}` : ''}`,
      );
    }
    if (Date.now() + DEBUG_POLL_MS > deadline) {
      throw new PodShellError(
        ErrorCode.DEBUG_CONTAINER_TIMEOUT,
        `the debug container ${name} did not start within ${r.policy.startTimeoutSeconds} s (last state: ${state?.waiting?.reason ?? 'not reported yet'})`,
      );
    }
    await sleep(DEBUG_POLL_MS);
  }
}
