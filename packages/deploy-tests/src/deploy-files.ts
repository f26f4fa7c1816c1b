import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { createMetrics } from '@pod-shell/broker';
import { REPO_ROOT } from './dashboard/dashboard-file.js';

/** A rendered Kubernetes object. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export const OVERLAYS = ['dev', 'production'] as const;

export function deployPath(...parts: string[]): string {
  return join(REPO_ROOT, 'deploy', ...parts);
}

/** Parses a multi-document YAML text into objects (empty documents dropped). */
export function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** `kubectl kustomize deploy/overlays/<name>`, parsed. */
export function renderOverlay(name: string): KubeObject[] {
  return parseObjects(execFileSync('kubectl', ['kustomize', deployPath('overlays', name)], { encoding: 'utf8' }));
}

export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind} ${name} in the rendered overlay`);
  return o;
}

/** The alert groups of deploy/base/prometheusrule.yaml, as a Prometheus rules file. */
export function alertRulesFile(): string {
  const rule = parseObjects(readFileSync(deployPath('base', 'prometheusrule.yaml'), 'utf8'))[0] as unknown as {
    spec: { groups: unknown[] };
  };
  return stringify({ groups: rule.spec.groups });
}

/** Runs promtool in a temporary directory holding `files`; returns its output, throws with it on failure. */
export function promtool(args: string[], files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pod-shell-promtool-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return execFileSync('promtool', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** promtool parses (and lints) each expression, as recording rules; Grafana's $variables replaced first. */
export function checkExpressions(exprs: string[]): string {
  const rules = exprs.map((expr, i) => ({
    record: `pod_shell:check_${i}`,
    expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', 'pod-shell'),
  }));
  return promtool(['check', 'rules', 'exprs.yaml'], {
    'exprs.yaml': stringify({ groups: [{ name: 'exprs', rules }] }),
  });
}

/** Every metric name the broker exports (its own and Node's defaults), histograms with their series suffixes. */
export async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

/** The broker metric names an expression uses (podshell_*, process_*, nodejs_*). */
export function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:podshell|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}
