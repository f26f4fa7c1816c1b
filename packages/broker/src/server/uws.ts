import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UwsTypes from 'uWebSockets.js';
import { ErrorCode, PodShellError } from '../errors.js';

/**
 * Loads a native uWebSockets.js build and refuses to run on a pure-JS fallback.
 *
 * The uWS rule (docs/runtime.md): the broker depends on two builds under two names and loads the
 * first one whose native addon loads on this runtime:
 *   1. `uWebSockets.js` = uWS v20.57 (@btc-vision/uwebsockets.js): binaries for Node 20/22/24/25,
 *      glibc >= 2.38. What production runs (the image: Node 24 on Debian 13).
 *   2. `uWebSockets.js-20.30` = uWS v20.30 (@trufflesuite/uws-js-unofficial), an optional
 *      dependency: the only build that loads on a glibc 2.36 host (Debian 12) under Node 20. The
 *      image omits it. This package silently falls back to a `ws`-based emulation when its addon
 *      does not load; that fallback has none of the backpressure, corking and memory properties the
 *      broker depends on, so it is refused.
 * Types come from build 1; the API the broker uses is the same in both.
 */
export type Uws = typeof UwsTypes;

/** Which build was loaded: its package alias and uWS version (for podshell_build_info). */
export interface UwsBuild {
  readonly module: string;
  readonly version: string;
}

/** The builds, in the order they are tried. */
export const UWS_BUILDS = ['uWebSockets.js', 'uWebSockets.js-20.30'] as const;

const require = createRequire(import.meta.url);

/** True when the loaded module is the native addon: its functions are native code and it has the native-only exports. */
export function isNativeUws(mod: unknown): boolean {
  if (typeof mod !== 'object' || mod === null) return false;
  const m = mod as Record<string, unknown>;
  const app = m['App'];
  if (typeof app !== 'function') return false;
  // The fallback exports App as a JS function and lacks the native-only helpers (getParts, SSLApp).
  const nativeSource = /\{\s*\[native code\]\s*\}/.test(Function.prototype.toString.call(app));
  return nativeSource && typeof m['getParts'] === 'function' && typeof m['SSLApp'] === 'function';
}

/** The uWS version of an installed build, from the nearest package.json above its entry (v20.57 does not export that subpath). */
function buildVersion(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    if (!existsSync(join(dir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
    // "20.30.0-unofficial.0" is uWS v20.30.0.
    return String(pkg.version ?? 'unknown').replace(/-.*$/, '');
  }
  return 'unknown';
}

let cached: { uws: Uws; build: UwsBuild } | undefined;

/** Loads the first native build of UWS_BUILDS (or of `candidates`), or throws PodShellError NATIVE_ADDON_MISSING naming why each failed. */
export function loadUwsBuild(candidates: readonly string[] = UWS_BUILDS): { uws: Uws; build: UwsBuild } {
  if (cached !== undefined && candidates === UWS_BUILDS) return cached;
  const failures: string[] = [];
  for (const name of candidates) {
    let entry: string;
    let mod: unknown;
    try {
      entry = require.resolve(name);
      mod = require(name);
    } catch (err) {
      failures.push(`${name}: ${(err instanceof Error ? err.message : String(err)).split('\n').filter(Boolean).pop()}`);
      continue;
    }
    if (!isNativeUws(mod)) {
      failures.push(`${name}: loaded its pure-JS fallback, not the native addon`);
      continue;
    }
    const loaded = { uws: mod as Uws, build: { module: name, version: buildVersion(entry) } };
    if (candidates === UWS_BUILDS) cached = loaded;
    return loaded;
  }
  throw new PodShellError(
    ErrorCode.NATIVE_ADDON_MISSING,
    `no native uWebSockets.js build loads on ${process.platform}-${process.arch}, Node ${process.versions.node} (ABI ${process.versions.modules}); refusing to start. ${failures.join('; ')}`,
  );
}

/** Returns the native uWS module, or throws PodShellError NATIVE_ADDON_MISSING. */
export function loadUws(): Uws {
  return loadUwsBuild().uws;
}

/** Decodes an ArrayBuffer handed out by uWS into a string right away (uWS invalidates it after the callback). */
export function arrayBufferToText(buf: ArrayBuffer): string {
  return Buffer.from(buf).toString('utf8');
}
