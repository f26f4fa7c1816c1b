import { existsSync } from 'node:fs';

/**
 * The runtime environment the production image sets for the broker (docs/operations.md, "Memory after
 * a peak", lists the same lines; memory-after-peak.test.ts runs the broker with them and checks the
 * doc): jemalloc instead of glibc malloc, with a background thread that returns freed pages to the
 * kernel within a second. glibc keeps the native memory of closed sockets and TLS connections
 * (measured: RSS 314 → 384 → 421 MB over three peaks of 3,000 sessions, also with MALLOC_ARENA_MAX=2).
 */
export const JEMALLOC_PATH = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/libjemalloc.so.2`;

export const SHIPPED_RUNTIME_ENV: Readonly<Record<string, string>> = Object.freeze({
  LD_PRELOAD: JEMALLOC_PATH,
  MALLOC_CONF: 'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0',
});

/** Whether this machine has the library (Debian package libjemalloc2; .ci/run installs it). */
export const jemallocInstalled = (): boolean => existsSync(JEMALLOC_PATH);

/**
 * RSS an idle broker may keep above its pre-run baseline after peaks (docs/operations.md, "Memory
 * after a peak"): 32 MB (V8 keeps the pages its young generation grew to) plus 8 KB per session of the
 * largest peak. Measured with the shipped environment: +43 MB after three peaks of 3,000 sessions;
 * with glibc malloc +184 to +291 MB.
 */
export function rssAfterPeakBound(peakSessions: number): number {
  return 32 * 1048576 + 8 * 1024 * peakSessions;
}
