import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/element, from dist/lib/test/. */
export const ELEMENT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The self-contained bundle the tests load, exactly as a host page would. */
export async function readBundle(): Promise<Buffer> {
  try {
    return await readFile(join(ELEMENT_ROOT, 'dist', 'pod-shell.js'));
  } catch (error) {
    throw new Error('dist/pod-shell.js is missing: run `npm run build -w @pod-shell/element` first', { cause: error });
  }
}

/** Page script that records every pod-shell event, in order, as `window.__events` (read by page-helpers). */
export const EVENT_RECORDER = `window.__events = [];
for (const name of ['pod-shell-open', 'pod-shell-expiring', 'pod-shell-extended', 'pod-shell-close', 'pod-shell-error', 'pod-shell-transfer-start', 'pod-shell-transfer-progress', 'pod-shell-transfer-end', 'pod-shell-resume', 'pod-shell-observers']) {
  document.addEventListener(name, (e) => window.__events.push({ type: e.type, detail: e.detail, at: Date.now() }), true);
}`;

/** A minimal host page: the bundle, a sized box, and whatever body the test needs. */
export function hostPage(body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pod-shell test</title>
<script>${EVENT_RECORDER}</script>
<script type="module" src="/pod-shell.js"></script>
<style>body{margin:0;font-family:sans-serif} #box{width:800px;height:420px} pod-shell{height:100%}</style>
</head><body>${body}</body></html>`;
}
