import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createMetrics } from '../metrics/metrics.js';

/** docs/operations.md's metrics table lists every metric the broker exports, with its type, and nothing else. */
test('docs/operations.md lists exactly the broker metrics, with their types', async () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/operations.md', import.meta.url)), 'utf8');
  const section = doc.slice(doc.indexOf('## Metrics'), doc.indexOf('\n## ', doc.indexOf('## Metrics') + 1));
  const documented = new Map([...section.matchAll(/^\| `(podshell_\w+)` \| (\w+) \|/gm)].map((m) => [m[1]!, m[2]!]));
  const exported = new Map(
    (await createMetrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]),
  );
  assert.deepEqual([...documented].sort(), [...exported].sort());
});
