import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DASHBOARD_FILE, dashboardJson } from './dashboard/dashboard-file.js';
import { checkExpressions, exportedMetricNames, metricNamesIn } from './deploy-files.js';

function expressions(): string[] {
  const d = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

test('the committed dashboard is what dashboard.ts generates (npm run dashboard -w @pod-shell/deploy-tests)', () => {
  assert.equal(readFileSync(DASHBOARD_FILE, 'utf8'), dashboardJson());
});

test('every dashboard expression parses (promtool)', () => {
  const exprs = expressions();
  assert.ok(exprs.length >= 20, `found ${exprs.length} expressions`);
  assert.match(checkExpressions(exprs), new RegExp(`SUCCESS: ${exprs.length} rules found`));
});

test('every metric the dashboard names exists in metrics.ts (or Node default metrics)', async () => {
  const exported = await exportedMetricNames();
  const used = new Set(expressions().flatMap(metricNamesIn));
  assert.ok(used.size >= 15);
  assert.deepEqual(
    [...used].filter((n) => !exported.has(n)),
    [],
  );
});
