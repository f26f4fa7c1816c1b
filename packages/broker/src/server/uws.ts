import { createRequire } from 'node:module';
import type * as UwsTypes from 'uWebSockets.js';
import { ErrorCode, PodShellError } from '../errors.js';

/**
 * Loads uWebSockets.js and refuses to run on its pure-JS fallback. The package
 * (@trufflesuite/uws-js-unofficial) silently falls back to a Node `ws`-based emulation when the
 * native addon for this platform/ABI fails to load (or when UWS_USE_FALLBACK is set); that fallback
 * has none of the backpressure, corking and memory properties this broker depends on.
 */
export type Uws = typeof UwsTypes;

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

let cached: Uws | undefined;

/** Returns the native uWS module, or throws PodShellError NATIVE_ADDON_MISSING. */
export function loadUws(): Uws {
  if (cached !== undefined) return cached;
  let mod: unknown;
  try {
    mod = require('uWebSockets.js');
  } catch (err) {
    throw new PodShellError(ErrorCode.NATIVE_ADDON_MISSING, 'uWebSockets.js could not be loaded', { cause: err });
  }
  if (!isNativeUws(mod)) {
    throw new PodShellError(
      ErrorCode.NATIVE_ADDON_MISSING,
      `uWebSockets.js loaded its pure-JS fallback instead of the native addon (platform ${process.platform}-${process.arch}, ABI ${process.versions.modules}); refusing to start`,
    );
  }
  cached = mod as Uws;
  return cached;
}

/** Decodes an ArrayBuffer handed out by uWS into a string right away (uWS invalidates it after the callback). */
export function arrayBufferToText(buf: ArrayBuffer): string {
  return Buffer.from(buf).toString('utf8');
}
