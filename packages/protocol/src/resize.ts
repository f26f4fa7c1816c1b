/** Terminal size as Kubernetes' `remotecommand.TerminalSize` (both uint16 on the wire). */
export interface TerminalSize {
  Width: number;
  Height: number;
}

/** The range pod-shell accepts from clients; the broker rejects anything else with 4400. */
export const MIN_TERMINAL_DIMENSION = 1;
export const MAX_TERMINAL_DIMENSION = 1000;

/** `JSON.parse` that yields only a plain object, or null for anything else (arrays, primitives, bad JSON). */
function parseJsonObject(text: string): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function dimension(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= MIN_TERMINAL_DIMENSION && v <= MAX_TERMINAL_DIMENSION
    ? v
    : null;
}

/**
 * Parses a pod-shell client's resize payload: exactly `{"Width":cols,"Height":rows}`, integers 1..1000.
 * Returns null for anything else.
 */
export function parseClientResize(text: string): TerminalSize | null {
  const o = parseJsonObject(text);
  if (o === null) return null;
  const keys = Object.keys(o);
  if (keys.length !== 2) return null;
  const width = dimension(o['Width']);
  const height = dimension(o['Height']);
  if (width === null || height === null) return null;
  return { Width: width, Height: height };
}

/**
 * Parses a Kubernetes resize object the way the apiserver's Go decoder does: keys matched
 * case-insensitively (`Width` and `width` both work), values uint16. Returns null when invalid.
 */
export function parseK8sResize(text: string): TerminalSize | null {
  const o = parseJsonObject(text);
  if (o === null) return null;
  let width = 0;
  let height = 0;
  for (const [k, val] of Object.entries(o)) {
    const key = k.toLowerCase();
    if (key !== 'width' && key !== 'height') continue;
    if (typeof val !== 'number' || !Number.isInteger(val) || val < 0 || val > 65535) return null;
    if (key === 'width') width = val;
    else height = val;
  }
  return { Width: width, Height: height };
}

export function encodeResize(size: TerminalSize): string {
  return JSON.stringify({ Width: size.Width, Height: size.Height });
}
