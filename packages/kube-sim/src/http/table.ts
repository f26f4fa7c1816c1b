/**
 * Server-side printing (meta.k8s.io/v1 Table) as kubectl requests it with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Columns follow the apiserver's pod and
 * namespace printers; AGE uses apimachinery's HumanDuration.
 */

type Json = Record<string, unknown>;

export interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority: number;
}

/** Which media type the client accepts first: a v1 Table, or plain JSON. */
export function wantsTable(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const part of accept.split(',')) {
    const params = part.split(';').map((p) => p.trim());
    const type = params[0];
    if (type !== 'application/json' && type !== '*/*') continue;
    const kv = new Map(params.slice(1).map((p) => p.split('=') as [string, string]));
    if (kv.get('as') === 'Table' && kv.get('g') === 'meta.k8s.io' && kv.get('v') === 'v1') return true;
    if (kv.get('as') === undefined) return false;
  }
  return false;
}

/** apimachinery duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

export function age(creationTimestamp: string, now = Date.now()): string {
  return humanDuration(now - Date.parse(creationTimestamp));
}

const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const POD_COLUMNS: Column[] = [
  { name: 'Name', type: 'string', format: 'name', description: NAME_DOC, priority: 0 },
  {
    name: 'Ready',
    type: 'string',
    description: 'The aggregate readiness state of this pod for accepting traffic.',
    priority: 0,
  },
  { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', priority: 0 },
  {
    name: 'Restarts',
    type: 'string',
    description:
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    priority: 0,
  },
  { name: 'Age', type: 'string', description: AGE_DOC, priority: 0 },
  { name: 'IP', type: 'string', description: 'podIP is the IP address allocated to the pod.', priority: 1 },
  { name: 'Node', type: 'string', description: 'NodeName indicates in which node this pod is scheduled.', priority: 1 },
  {
    name: 'Nominated Node',
    type: 'string',
    description: 'nominatedNodeName is set only when this pod preempts other pods on the node.',
    priority: 1,
  },
  {
    name: 'Readiness Gates',
    type: 'string',
    description: 'If specified, all readiness gates will be evaluated for pod readiness.',
    priority: 1,
  },
];

export const NAMESPACE_COLUMNS: Column[] = [
  { name: 'Name', type: 'string', format: 'name', description: NAME_DOC, priority: 0 },
  { name: 'Status', type: 'string', description: 'The status of the namespace', priority: 0 },
  { name: 'Age', type: 'string', description: AGE_DOC, priority: 0 },
];

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectParam(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

export interface TableRow {
  cells: unknown[];
  /** Full object (with kind/apiVersion). */
  object: Json;
}

export function buildTable(columns: Column[], rows: TableRow[], resourceVersion: string, include: IncludeObject): Json {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => {
      const out: Json = {
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        description: c.description,
        priority: c.priority,
      };
      return out;
    }),
    rows: rows.map((r) => {
      const row: Json = { cells: r.cells };
      if (include === 'Object') row['object'] = r.object;
      else if (include === 'Metadata')
        row['object'] = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: r.object['metadata'] };
      return row;
    }),
  };
}
