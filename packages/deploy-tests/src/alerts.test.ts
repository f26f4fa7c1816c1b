import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { alertRulesFile, deployPath, exportedMetricNames, metricNamesIn, promtool } from './deploy-files.js';

const ALERTS = [
  'PodShellLeakSuspected',
  'PodShellStoreDown',
  'PodShellConnectsFailingClosed',
  'PodShellReplicaDown',
  'PodShellNearCapacity',
  'PodShellConnectSlow',
  'PodShellDrainStuck',
];

test('promtool check rules accepts the PrometheusRule groups', () => {
  assert.match(
    promtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': alertRulesFile() }),
    /SUCCESS: 7 rules found/,
  );
});

test('promtool test rules: every alert has a unit test that fires it and one that does not', () => {
  const tests = readFileSync(deployPath('tests', 'alerts.promtool.yaml'), 'utf8');
  const cases = (
    parse(tests) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }
  ).tests.flatMap((t) => t.alert_rule_test);
  for (const alert of ALERTS) {
    assert.ok(
      cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0),
      `${alert}: a firing case`,
    );
    assert.ok(
      cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0),
      `${alert}: a quiet case`,
    );
  }
  assert.match(
    promtool(['test', 'rules', 'alerts.promtool.yaml'], {
      'alerts.promtool.yaml': tests,
      'rules.yaml': alertRulesFile(),
    }),
    /SUCCESS/,
  );
});

test('every alert names only metrics the broker exports', async () => {
  const exported = await exportedMetricNames();
  const rules = (parse(alertRulesFile()) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
    (g) => g.rules,
  );
  assert.deepEqual(rules.map((r) => r.alert).sort(), [...ALERTS].sort());
  for (const r of rules)
    for (const name of metricNamesIn(r.expr))
      assert.ok(exported.has(name), `${r.alert} uses ${name}, which metrics.ts does not export`);
});
