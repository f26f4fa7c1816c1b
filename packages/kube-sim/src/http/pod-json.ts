import type { ContainerFixture, PodFixture } from '../fixtures/types.js';

/**
 * Renders fixtures as the apiserver's v1 JSON (field order as Go marshals the structs), enough for
 * kubectl's printers, `kubectl exec` (phase, containers, default-container annotation) and client-node.
 */

type Json = Record<string, unknown>;

/** Stable per-pod numbers (resourceVersion, pod IP) derived from the pod's index in the fixture. */
export interface PodIdentity {
  index: number;
  resourceVersion: string;
}

export function podIp(index: number): string {
  return `10.244.${Math.floor(index / 250)}.${(index % 250) + 2}`;
}

function containerSpec(c: ContainerFixture): Json {
  const out: Json = { name: c.name, image: c.image };
  const env = Object.entries(c.env).map(([name, value]) => ({ name, value }));
  if (env.length > 0) out['env'] = env;
  out['resources'] = {};
  out['terminationMessagePath'] = '/dev/termination-log';
  out['terminationMessagePolicy'] = 'File';
  out['imagePullPolicy'] = 'IfNotPresent';
  return out;
}

function containerId(pod: PodFixture, c: ContainerFixture): string {
  return `containerd://${Buffer.from(`${pod.uid}/${c.name}`).toString('hex').padEnd(64, '0').slice(0, 64)}`;
}

function containerStatus(pod: PodFixture, c: ContainerFixture, init: boolean): Json {
  let state: Json;
  let ready = false;
  if (init || pod.phase === 'Succeeded') {
    state = {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: pod.creationTimestamp,
        finishedAt: pod.creationTimestamp,
        containerID: containerId(pod, c),
      },
    };
  } else if (pod.phase === 'Failed') {
    state = {
      terminated: {
        exitCode: 1,
        reason: 'Error',
        startedAt: pod.creationTimestamp,
        finishedAt: pod.creationTimestamp,
        containerID: containerId(pod, c),
      },
    };
  } else if (c.running && pod.phase === 'Running') {
    state = { running: { startedAt: pod.creationTimestamp } };
    ready = true;
  } else {
    state = { waiting: { reason: pod.phase === 'Pending' ? 'ContainerCreating' : 'CrashLoopBackOff' } };
  }
  return {
    name: c.name,
    state,
    lastState: {},
    ready,
    restartCount: 0,
    image: c.image,
    imageID: `${c.image.split(':')[0] ?? c.image}@sha256:${'0'.repeat(64)}`,
    containerID: containerId(pod, c),
    started: ready,
  };
}

/** The status of an ephemeral container added through the API, from the simulated kubelet's state. */
function apiContainerStatus(pod: PodFixture, c: ContainerFixture): Json {
  const st = c.api!.state;
  let state: Json;
  if (st.kind === 'waiting')
    state = { waiting: st.message === undefined ? { reason: st.reason } : { reason: st.reason, message: st.message } };
  else if (st.kind === 'running') state = { running: { startedAt: st.startedAt } };
  else {
    const t: Json = { exitCode: st.exitCode, reason: st.reason };
    if (st.message !== undefined) t['message'] = st.message;
    Object.assign(t, { startedAt: st.startedAt, finishedAt: st.finishedAt, containerID: containerId(pod, c) });
    state = { terminated: t };
  }
  const out: Json = { name: c.name, state, lastState: {}, ready: false, restartCount: 0, image: c.image, imageID: '' };
  if (st.kind !== 'waiting') {
    out['imageID'] = `${c.image.split(':')[0] ?? c.image}@sha256:${'0'.repeat(64)}`;
    out['containerID'] = containerId(pod, c);
  }
  return out;
}

function ephemeralSpec(pod: PodFixture, c: ContainerFixture): Json {
  return c.api !== undefined
    ? { ...c.api.spec }
    : { ...containerSpec(c), targetContainerName: pod.containers[0]?.name };
}

function ephemeralStatus(pod: PodFixture, c: ContainerFixture): Json {
  return c.api !== undefined ? apiContainerStatus(pod, c) : containerStatus(pod, c, false);
}

export function objectMeta(pod: PodFixture, id: PodIdentity): Json {
  const md: Json = {
    name: pod.name,
    namespace: pod.namespace,
    uid: pod.uid,
    resourceVersion: id.resourceVersion,
    creationTimestamp: pod.creationTimestamp,
  };
  if (Object.keys(pod.labels).length > 0) md['labels'] = { ...pod.labels };
  if (Object.keys(pod.annotations).length > 0) md['annotations'] = { ...pod.annotations };
  return md;
}

function conditions(pod: PodFixture): Json[] {
  const t = pod.creationTimestamp;
  if (pod.nodeName === '') {
    return [
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: t,
        reason: 'Unschedulable',
        message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
      },
    ];
  }
  const ready = pod.phase === 'Running' && pod.containers.every((c) => c.running) ? 'True' : 'False';
  return [
    {
      type: 'PodReadyToStartContainers',
      status: pod.phase === 'Running' ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: t,
    },
    { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t },
    { type: 'Ready', status: ready, lastProbeTime: null, lastTransitionTime: t },
    { type: 'ContainersReady', status: ready, lastProbeTime: null, lastTransitionTime: t },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t },
  ];
}

/** A full v1 Pod object. */
export function podJson(pod: PodFixture, id: PodIdentity, withTypeMeta = true): Json {
  const spec: Json = {};
  if (pod.initContainers.length > 0) spec['initContainers'] = pod.initContainers.map(containerSpec);
  spec['containers'] = pod.containers.map(containerSpec);
  if (pod.ephemeralContainers.length > 0)
    spec['ephemeralContainers'] = pod.ephemeralContainers.map((c) => ephemeralSpec(pod, c));
  Object.assign(spec, {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    serviceAccount: 'default',
  });
  if (pod.nodeName !== '') spec['nodeName'] = pod.nodeName;
  Object.assign(spec, {
    securityContext: {},
    schedulerName: 'default-scheduler',
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  });

  const status: Json = { phase: pod.phase, conditions: conditions(pod) };
  if (pod.nodeName !== '') {
    const ip = podIp(id.index);
    Object.assign(status, {
      hostIP: '10.0.0.10',
      hostIPs: [{ ip: '10.0.0.10' }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: pod.creationTimestamp,
    });
    if (pod.initContainers.length > 0)
      status['initContainerStatuses'] = pod.initContainers.map((c) => containerStatus(pod, c, true));
    status['containerStatuses'] = pod.containers.map((c) => containerStatus(pod, c, false));
    if (pod.ephemeralContainers.length > 0)
      status['ephemeralContainerStatuses'] = pod.ephemeralContainers.map((c) => ephemeralStatus(pod, c));
  }
  status['qosClass'] = 'BestEffort';

  const out: Json = withTypeMeta ? { kind: 'Pod', apiVersion: 'v1' } : {};
  return Object.assign(out, { metadata: objectMeta(pod, id), spec, status });
}

/** The STATUS column kubectl shows (a subset of printPod's rules). */
export function podStatusReason(pod: PodFixture): string {
  if (pod.phase === 'Succeeded') return 'Completed';
  if (pod.phase === 'Failed') return 'Error';
  if (pod.nodeName === '') return 'Pending';
  if (pod.phase === 'Pending') return 'ContainerCreating';
  if (pod.containers.some((c) => !c.running)) return 'CrashLoopBackOff';
  return 'Running';
}

export function readyCount(pod: PodFixture): string {
  const ready = pod.phase === 'Running' && pod.nodeName !== '' ? pod.containers.filter((c) => c.running).length : 0;
  return `${ready}/${pod.containers.length}`;
}
