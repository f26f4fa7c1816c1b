import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** `npm pack` of the element, as it would be published: what a third party gets, and nothing of ours. */
test('npm pack ships the bundle, the types, custom-elements.json and the README, and no test files', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const [pack] = JSON.parse(out) as { name: string; files: { path: string }[] }[];
  const files = pack!.files.map((f) => f.path);
  assert.equal(pack!.name, '@pod-shell/element');
  for (const f of [
    'package.json',
    'README.md',
    'dist/pod-shell.js',
    'dist/custom-elements.json',
    'dist/lib/index.js',
    'dist/lib/index.d.ts',
    'dist/lib/pod-shell.d.ts',
  ]) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.deepEqual(
    files.filter((f) => /(^|\/)test(\/|$)|\.test\.|tsbuildinfo|(^|\/)src\//.test(f)),
    [],
    'no tests, sources or build state',
  );
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Record<string, unknown>;
  assert.notEqual(pkg['private'], true, 'publishable');
  assert.equal(pkg['customElements'], 'dist/custom-elements.json');
});
