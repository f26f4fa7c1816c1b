import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import vm from 'node:vm';
import { k6Globals, k6Modules, type ModuleApi } from './k6-modules.js';
import { UnsupportedApiError } from './unsupported.js';
import { currentVu } from './vu.js';

/**
 * Loads a k6 script unchanged: an ES module in its own V8 context whose imports resolve to the k6
 * subset (k6-modules.ts) or to relative files (checked the same way). Before anything runs, every
 * import is checked: an unknown module, an unknown named import, or `x.member` on a default import
 * outside the subset throws UnsupportedApiError naming it — at load time, never silently.
 */
export interface LoadedScript {
  exports: Record<string, unknown>;
}

const IMPORT = /import\s+([\s\S]+?)\s+from\s+['"]([^'"]+)['"]/g;

interface ImportClause {
  defaultName?: string;
  named: { imported: string; local: string }[];
  namespace?: string;
}

function parseClause(clause: string): ImportClause {
  const out: ImportClause = { named: [] };
  const braces = /\{([\s\S]*)\}/.exec(clause);
  if (braces) {
    for (const part of braces[1]!
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [imported, local] = part.split(/\s+as\s+/).map((x) => x.trim());
      out.named.push({ imported: imported!, local: local ?? imported! });
    }
  }
  const rest = clause
    .replace(/\{[\s\S]*\}/, '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const r of rest) {
    const ns = /^\*\s+as\s+(\w+)$/.exec(r);
    if (ns) out.namespace = ns[1]!;
    else out.defaultName = r;
  }
  return out;
}

/** Static check of one module's imports against the subset; returns relative files to check next. */
export function checkImports(source: string, file: string, modules: Record<string, ModuleApi>): string[] {
  const relatives: string[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  if (/\brequire\s*\(/.test(code)) throw new UnsupportedApiError(`require() in ${file} (k6 scripts are ES modules)`);
  for (const m of code.matchAll(IMPORT)) {
    const clause = parseClause(m[1]!);
    const spec = m[2]!;
    if (spec.startsWith('./') || spec.startsWith('../')) {
      relatives.push(resolve(dirname(file), spec));
      continue;
    }
    const api = modules[spec];
    if (!api) throw new UnsupportedApiError(`module "${spec}" (imported by ${file})`);
    for (const n of clause.named)
      if (!(n.imported in api.named))
        throw new UnsupportedApiError(`${spec} export "${n.imported}" (imported by ${file})`);
    for (const local of [clause.defaultName, clause.namespace].filter((x): x is string => x !== undefined)) {
      if (!api.default) throw new UnsupportedApiError(`default import of ${spec} (in ${file})`);
      const members = Object.keys(api.default);
      for (const use of code.matchAll(new RegExp(`\\b${local}\\.(\\w+)`, 'g'))) {
        if (!members.includes(use[1]!))
          throw new UnsupportedApiError(`${spec} member "${use[1]}" (used as ${local}.${use[1]} in ${file})`);
      }
    }
  }
  return relatives;
}

export async function loadScript(file: string, env: Record<string, string>): Promise<LoadedScript> {
  const entry = resolve(file);
  const modules = k6Modules();
  // Check the whole import graph before evaluating anything.
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const f = queue.shift()!;
    if (seen.has(f)) continue;
    seen.add(f);
    queue.push(...checkImports(readFileSync(f, 'utf8'), f, modules));
  }

  const open = (path: string): string => {
    if (currentVu() !== null) throw new Error('open() is only available in the init context (k6 rule)');
    return readFileSync(isAbsolute(path) ? path : resolve(dirname(entry), path), 'utf8');
  };
  const sandbox: Record<string, unknown> = k6Globals(env, open);
  Object.defineProperty(sandbox, '__VU', { get: () => currentVu()?.vu.id ?? 0, enumerable: true });
  Object.defineProperty(sandbox, '__ITER', { get: () => currentVu()?.vu.iteration ?? 0, enumerable: true });
  const context = vm.createContext(sandbox, { name: 'k6 script' });

  const cache = new Map<string, vm.Module>();
  // Synchronous: vm's link() accepts a module or a promise of one, and every module here is at hand.
  const linker = (specifier: string, referencing: vm.Module): vm.Module => {
    const api = modules[specifier];
    if (api) {
      const key = `k6:${specifier}`;
      let mod = cache.get(key);
      if (!mod) {
        const names = [...Object.keys(api.named), ...(api.default ? ['default'] : [])];
        mod = new vm.SyntheticModule(
          names,
          function (this: vm.SyntheticModule) {
            for (const [k, v] of Object.entries(api.named)) this.setExport(k, v);
            if (api.default) this.setExport('default', api.default);
          },
          { context, identifier: specifier },
        );
        cache.set(key, mod);
      }
      return mod;
    }
    const path = resolve(dirname(referencing.identifier), specifier);
    return sourceModule(path);
  };
  const sourceModule = (path: string): vm.Module => {
    let mod = cache.get(path);
    if (!mod) {
      mod = new vm.SourceTextModule(readFileSync(path, 'utf8'), { context, identifier: path });
      cache.set(path, mod);
    }
    return mod;
  };
  const root = sourceModule(entry);
  await root.link(linker);
  await root.evaluate();
  return { exports: root.namespace as Record<string, unknown> };
}
