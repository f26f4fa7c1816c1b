/**
 * `metav1.Status` as the Kubernetes apiserver writes it. Key order matters: Go marshals struct
 * fields in declaration order, and clients (and our tests) compare bytes. On the exec status
 * channel there is no `kind`/`apiVersion`; before an upgrade the HTTP body has both.
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface K8sStatus {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/** Go's encoding/json escapes these for HTML safety; we do the same so bodies match byte for byte. */
export function goJsonStringify(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function ordered(s: K8sStatus): K8sStatus {
  // Rebuild in Go's field order, dropping undefined fields (omitempty).
  const out: Record<string, unknown> = {};
  if (s.kind !== undefined) out['kind'] = s.kind;
  if (s.apiVersion !== undefined) out['apiVersion'] = s.apiVersion;
  out['metadata'] = {};
  out['status'] = s.status;
  if (s.message !== undefined) out['message'] = s.message;
  if (s.reason !== undefined) out['reason'] = s.reason;
  if (s.details !== undefined) {
    const d: Record<string, unknown> = {};
    for (const k of ['name', 'group', 'kind', 'uid'] as const) if (s.details[k] !== undefined) d[k] = s.details[k];
    if (s.details.causes !== undefined) {
      d['causes'] = s.details.causes.map((c) => {
        const o: Record<string, unknown> = {};
        for (const k of ['reason', 'message', 'field'] as const) if (c[k] !== undefined) o[k] = c[k];
        return o;
      });
    }
    if (s.details.retryAfterSeconds !== undefined) d['retryAfterSeconds'] = s.details.retryAfterSeconds;
    out['details'] = d;
  }
  if (s.code !== undefined) out['code'] = s.code;
  return out as unknown as K8sStatus;
}

/** Serializes a Status exactly as the apiserver would. */
export function serializeStatus(s: K8sStatus): string {
  return goJsonStringify(ordered(s));
}

/** Channel-3 payload for a command that exited 0. */
export function successStatus(): K8sStatus {
  return { metadata: {}, status: 'Success' };
}

/** Channel-3 payload for a non-zero exit through v5 (the apiserver's stream translator wording). */
export function nonZeroExitStatus(exitCode: number): K8sStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command terminated with exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** Channel-3 payload for any other failure: `Internal error occurred: <e>`, code 500. */
export function internalErrorStatus(error: string): K8sStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${error}`,
    reason: 'InternalError',
    details: { causes: [{ message: error }] },
    code: 500,
  };
}

/** An HTTP error body as the apiserver writes it before any upgrade. */
export function httpErrorStatus(code: number, reason: string, message: string, details?: StatusDetails): K8sStatus {
  const s: K8sStatus = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details !== undefined) s.details = details;
  return s;
}

/** The outcome a channel-3 Status describes, the way client-go reads it. */
export type ExecOutcome =
  | { kind: 'success' }
  | { kind: 'exit'; exitCode: number; message: string }
  | { kind: 'error'; message: string; reason?: string };

/**
 * Interprets a channel-3 payload like client-go: empty = success; `NonZeroExitCode` carries an
 * `ExitCode` cause parsed as a uint8 (0–255), anything else there is a protocol error.
 */
export function interpretStatus(payload: string): ExecOutcome {
  if (payload.length === 0) return { kind: 'success' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return { kind: 'error', message: `status channel carried non-JSON: ${payload.slice(0, 200)}` };
  }
  const s = parsed as Partial<K8sStatus>;
  if (s.status === 'Success') return { kind: 'success' };
  if (s.reason === 'NonZeroExitCode') {
    const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
    const raw = cause?.message ?? '';
    if (/^\d+$/.test(raw) && Number(raw) <= 255) {
      return { kind: 'exit', exitCode: Number(raw), message: s.message ?? '' };
    }
    return { kind: 'error', message: `invalid exit code cause ${JSON.stringify(raw)} in status` };
  }
  const out: ExecOutcome = { kind: 'error', message: s.message ?? 'unknown error' };
  if (s.reason !== undefined) out.reason = s.reason;
  return out;
}
