import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The <pod-shell> element bundle every broker serves (element-routes.ts), read once at startup:
 * its content names its URL, so the versioned path can be cached forever.
 */
export interface ElementBundle {
  readonly body: Buffer;
  /** First 16 hex digits of the bundle's SHA-256: the `/v1/pod-shell.<hash>.js` part. */
  readonly hash: string;
  /** `/v1/pod-shell.<hash>.js` */
  readonly path: string;
  /** Subresource Integrity value: `sha384-<base64>`. */
  readonly integrity: string;
}

export function elementBundle(body: Buffer): ElementBundle {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return {
    body,
    hash,
    path: `/v1/pod-shell.${hash}.js`,
    integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
  };
}

/** `@pod-shell/element/pod-shell.js` as installed beside the broker; undefined when it is not (element not built). */
export function loadElementBundle(): ElementBundle | undefined {
  let file: string;
  try {
    file = createRequire(import.meta.url).resolve('@pod-shell/element/pod-shell.js');
    return elementBundle(readFileSync(file));
  } catch {
    return undefined;
  }
}
