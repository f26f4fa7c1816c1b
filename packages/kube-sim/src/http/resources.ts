import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterStore, StoredPod } from '../fixtures/store.js';
import { stableUid } from '../fixtures/load.js';
import { parseFieldSelector, parseLabelSelector } from './label-selector.js';
import { podIp, podJson, podStatusReason, readyCount } from './pod-json.js';
import { sendJson } from './respond.js';
import { notFound } from './status-error.js';
import { NAMESPACE_COLUMNS, POD_COLUMNS, age, buildTable, includeObjectParam, wantsTable } from './table.js';

/** GET handlers for pods and namespaces: JSON objects, lists, or server-side Tables as kubectl asks. */

const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export function podFields(p: StoredPod): Record<string, string> {
  return {
    'metadata.name': p.pod.name,
    'metadata.namespace': p.pod.namespace,
    'spec.nodeName': p.pod.nodeName,
    'status.phase': p.pod.phase,
  };
}

function podCells(p: StoredPod): unknown[] {
  const none = '<none>';
  return [
    p.pod.name,
    readyCount(p.pod),
    podStatusReason(p.pod),
    '0',
    age(p.pod.creationTimestamp),
    p.pod.nodeName === '' ? none : podIp(p.index),
    p.pod.nodeName === '' ? none : p.pod.nodeName,
    none,
    none,
  ];
}

/**
 * The answer kubectl asked for: a meta.k8s.io/v1 Table of `rows()` when its Accept header wants one,
 * otherwise the plain JSON object `json()`. Rows and JSON are built only for the answer sent.
 */
function sendTableOr(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  table: {
    columns: Parameters<typeof buildTable>[0];
    resourceVersion: string;
    rows: () => Parameters<typeof buildTable>[1];
  },
  json: () => unknown,
): void {
  if (wantsTable(req.headers.accept)) {
    const body = buildTable(
      table.columns,
      table.rows(),
      table.resourceVersion,
      includeObjectParam(query.get('includeObject')),
    );
    sendJson(res, 200, body, TABLE_CONTENT_TYPE);
    return;
  }
  sendJson(res, 200, json());
}

export function getPod(
  req: IncomingMessage,
  res: ServerResponse,
  store: ClusterStore,
  query: URLSearchParams,
  namespace: string,
  name: string,
): void {
  const p = store.getPod(namespace, name);
  if (p === undefined) throw notFound('pods', name);
  const obj = podJson(p.pod, { index: p.index, resourceVersion: p.resourceVersion });
  sendTableOr(
    req,
    res,
    query,
    { columns: POD_COLUMNS, resourceVersion: p.resourceVersion, rows: () => [{ cells: podCells(p), object: obj }] },
    () => obj,
  );
}

export function listPods(
  req: IncomingMessage,
  res: ServerResponse,
  store: ClusterStore,
  query: URLSearchParams,
  namespace: string | null,
): void {
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'));
  const pods = store.listPods(namespace).filter((p) => labels(p.pod.labels) && fields(podFields(p)));
  const rv = store.listResourceVersion;
  sendTableOr(
    req,
    res,
    query,
    {
      columns: POD_COLUMNS,
      resourceVersion: rv,
      rows: () =>
        pods.map((p) => ({
          cells: podCells(p),
          object: podJson(p.pod, { index: p.index, resourceVersion: p.resourceVersion }),
        })),
    },
    () => ({
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: rv },
      items: pods.map((p) => podJson(p.pod, { index: p.index, resourceVersion: p.resourceVersion }, false)),
    }),
  );
}

function namespaceJson(store: ClusterStore, ns: string, withTypeMeta: boolean): Record<string, unknown> {
  const created =
    store.pods.find((p) => p.pod.namespace === ns)?.pod.creationTimestamp ??
    new Date(0).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const out: Record<string, unknown> = withTypeMeta ? { kind: 'Namespace', apiVersion: 'v1' } : {};
  return Object.assign(out, {
    metadata: {
      name: ns,
      uid: stableUid('', ns),
      resourceVersion: '1',
      creationTimestamp: created,
      labels: { 'kubernetes.io/metadata.name': ns },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
}

function namespaceCells(obj: Record<string, unknown>, ns: string): unknown[] {
  const md = obj['metadata'] as { creationTimestamp: string };
  return [ns, 'Active', age(md.creationTimestamp)];
}

export function getNamespace(
  req: IncomingMessage,
  res: ServerResponse,
  store: ClusterStore,
  query: URLSearchParams,
  name: string,
): void {
  if (!store.hasNamespace(name)) throw notFound('namespaces', name);
  const obj = namespaceJson(store, name, true);
  sendTableOr(
    req,
    res,
    query,
    {
      columns: NAMESPACE_COLUMNS,
      resourceVersion: '1',
      rows: () => [{ cells: namespaceCells(obj, name), object: obj }],
    },
    () => obj,
  );
}

export function listNamespaces(
  req: IncomingMessage,
  res: ServerResponse,
  store: ClusterStore,
  query: URLSearchParams,
): void {
  const labels = parseLabelSelector(query.get('labelSelector'));
  const names = store.namespaces.filter((ns) => labels({ 'kubernetes.io/metadata.name': ns }));
  sendTableOr(
    req,
    res,
    query,
    {
      columns: NAMESPACE_COLUMNS,
      resourceVersion: store.listResourceVersion,
      rows: () =>
        names.map((ns) => {
          const obj = namespaceJson(store, ns, true);
          return { cells: namespaceCells(obj, ns), object: obj };
        }),
    },
    () => ({
      kind: 'NamespaceList',
      apiVersion: 'v1',
      metadata: { resourceVersion: store.listResourceVersion },
      items: names.map((ns) => namespaceJson(store, ns, false)),
    }),
  );
}
