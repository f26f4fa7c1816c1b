import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

/**
 * docs/security.md maps each of the 27 threats (19 from the reference list, 20–25 file transfer, 26 resume
 * credentials, 27 observer tokens) to the tests that prove its defence. This keeps the
 * map honest: every row is there, and every test it names (unless marked *(pending)*) exists — its
 * file is in the repo and contains each literal part of the test name.
 */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DOC = join(ROOT, 'docs/security.md');

interface Ref {
  file: string;
  name: string;
  pending: boolean;
  threat: number;
}

function threatRows(markdown: string): { threat: number; cells: string[] }[] {
  return markdown
    .split('\n')
    .filter((l) => /^\|\s*\d+\s*\|/.test(l))
    .map((l) => {
      const cells = l.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, '').trim());
      return { threat: Number(cells[0]), cells };
    });
}

function refsOf(row: { threat: number; cells: string[] }): Ref[] {
  const tests = row.cells[3] ?? '';
  return [...tests.matchAll(/`([\w./-]+\.(?:test\.ts|js)) › ([^`]+)`( \*\(pending\)\*)?/g)].map((m) => ({
    file: m[1]!,
    name: m[2]!,
    pending: m[3] !== undefined,
    threat: row.threat,
  }));
}

/** Test sources of the repo's packages and load tests, by path. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(name)) out.push(p);
    }
  };
  for (const base of ['packages', 'load-tests']) if (existsSync(join(ROOT, base))) walk(join(ROOT, base));
  return out;
}

/** The literal parts of a test name: `›` separates suite and test, `<x>` and `…` stand for varying text. */
function fragments(name: string): string[] {
  return name
    .split(' › ')
    .flatMap((segment) => segment.split(/…|<[^>]+>/))
    .map((f) => f.trim())
    .filter((f) => f.length >= 6);
}

describe('docs/security.md', () => {
  const rows = threatRows(readFileSync(DOC, 'utf8'));

  test('has one row for each threat 1..27, each with a status', () => {
    assert.deepEqual(
      rows.map((r) => r.threat),
      Array.from({ length: 27 }, (_, i) => i + 1),
    );
    for (const r of rows) {
      assert.match(r.cells[4] ?? '', /^(proved|pending)/, `threat ${r.threat}: status`);
      assert.ok(refsOf(r).length > 0, `threat ${r.threat} names no test`);
    }
  });

  test('every test a row names without *(pending)* exists', () => {
    const files = sources();
    let checked = 0;
    for (const ref of rows.flatMap(refsOf)) {
      if (ref.pending) continue;
      const matches = files.filter((f) => f.endsWith(`/${ref.file}`));
      assert.equal(
        matches.length,
        1,
        `threat ${ref.threat}: ${ref.file} should name exactly one file, found ${matches.length}`,
      );
      const text = readFileSync(matches[0]!, 'utf8');
      for (const fragment of fragments(ref.name)) {
        assert.ok(text.includes(fragment), `threat ${ref.threat}: ${ref.file} has no test named like "${fragment}"`);
      }
      checked++;
    }
    assert.ok(checked >= 30, `only ${checked} references checked`);
  });

  test('a row whose tests are all pending says pending; a row with none pending says proved', () => {
    for (const r of rows) {
      const refs = refsOf(r);
      const status = r.cells[4] ?? '';
      if (refs.every((x) => x.pending)) assert.match(status, /^pending/, `threat ${r.threat}`);
      if (refs.every((x) => !x.pending)) assert.equal(status, 'proved', `threat ${r.threat}`);
    }
  });
});
