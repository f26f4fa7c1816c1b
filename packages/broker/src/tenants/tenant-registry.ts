import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { Tenant } from './tenant.js';
import { loadTenantsFile } from './tenants-file.js';

/** What the authenticator needs: tenant lookup by issuer (from the unverified token) and by name. */
export interface TenantLookup {
  byIssuer(issuer: string): Tenant | undefined;
  get(name: string): Tenant | undefined;
  /** All tenants (the element routes answer CORS for every tenant's allowedOrigins). */
  current?(): readonly Tenant[];
}

export interface TenantRegistry extends TenantLookup {
  /** The tenants of the last good load. */
  current(): readonly Tenant[];
  /** Called after every successful reload with the new tenants; returns a function that unsubscribes. */
  onReload(listener: (tenants: readonly Tenant[]) => void): () => void;
  /** Re-reads the file now. Returns true when a new config was applied, false when unchanged or refused. */
  reload(): boolean;
  /** Stops watching; idempotent. */
  close(): void;
}

export interface TenantRegistryOptions {
  file: string;
  logger?: Logger;
  /** Quiet period after the last change event before re-reading (editors write in several steps). */
  debounceMs?: number;
  /** Watch the file for changes (default true). */
  watch?: boolean;
}

/** A lookup over a fixed list, for tests and one-off tools. */
export function staticTenants(tenants: readonly Tenant[]): TenantLookup {
  return {
    byIssuer: (iss) => tenants.find((t) => t.issuer === iss),
    get: (name) => tenants.find((t) => t.name === name),
    current: () => tenants,
  };
}

function fileHash(path: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return null;
  }
}

/**
 * Loads the tenants file (throws ConfigError if the first load fails: the broker must not start
 * without tenants) and reloads it when it changes, without touching live sessions.
 *
 * Rules: the directory is watched, not the file, because editors save by rename and Kubernetes
 * ConfigMap volumes swap a `..data` symlink — a watch on the file itself would go stale after the
 * first such change. Events are debounced. A bad edit is logged (`tenants.reload_failed`) and the
 * last good config stays in force. Key files in other directories are re-read on every reload but
 * their changes alone do not trigger one.
 */
export function createTenantRegistry(options: TenantRegistryOptions): TenantRegistry {
  const file = resolve(options.file);
  const log = options.logger;
  const debounceMs = options.debounceMs ?? 250;
  let tenants = loadTenantsFile(file);
  let byIssuer = new Map(tenants.map((t) => [t.issuer, t]));
  let byName = new Map(tenants.map((t) => [t.name, t]));
  let lastHash = fileHash(file);
  const listeners = new Set<(t: readonly Tenant[]) => void>();
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let closed = false;
  log?.info('tenants.loaded', { file, tenants: tenants.map((t) => t.name) });

  const reload = (): boolean => {
    if (closed) return false;
    const hash = fileHash(file);
    if (hash === null) {
      log?.warn('tenants.reload_failed', {
        file,
        message: 'tenants file is missing or unreadable; keeping the last good config',
      });
      return false;
    }
    if (hash === lastHash) return false;
    let next: readonly Tenant[];
    try {
      next = loadTenantsFile(file);
    } catch (err) {
      // Keep serving with the last good config: a typo must not lock every tenant out.
      log?.error('tenants.reload_failed', { file, message: (err as Error).message, kept: tenants.map((t) => t.name) });
      lastHash = hash;
      return false;
    }
    lastHash = hash;
    tenants = next;
    byIssuer = new Map(next.map((t) => [t.issuer, t]));
    byName = new Map(next.map((t) => [t.name, t]));
    log?.info('tenants.reloaded', { file, tenants: next.map((t) => t.name) });
    for (const l of [...listeners]) {
      try {
        l(next);
      } catch (err) {
        log?.error('tenants.reload_listener_failed', { err });
      }
    }
    return true;
  };

  if (options.watch !== false) {
    const name = basename(file);
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      // `changed` can be null on some platforms; ConfigMaps change `..data`, not the file's own name.
      if (changed !== null && changed !== name && !String(changed).startsWith('..')) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        reload();
      }, debounceMs);
      timer.unref();
    });
    watcher.on('error', (err) => log?.error('tenants.watch_failed', { file, err }));
  }

  return {
    current: () => tenants,
    get: (n) => byName.get(n),
    byIssuer: (iss) => byIssuer.get(iss),
    onReload(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload,
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      watcher?.close();
      watcher = undefined;
      listeners.clear();
    },
  };
}
