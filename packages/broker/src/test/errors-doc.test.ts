import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { CloseCode } from '@pod-shell/protocol';
import { errorCatalog } from '../errors.js';

/**
 * docs/errors.md must match errors.ts exactly: every ErrorCode has one row with its HTTP status,
 * close code and reason; the doc lists no code that does not exist; and every `PS_ERR_…` literal the
 * broker's source answers with (including HTTP-only ones) is documented somewhere in the file.
 */
const DOC = fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url));
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

interface Row {
  cells: string[];
  section: string;
}

/** Rows of every Markdown table whose first cell is a `PS_ERR_…` code, with the section they are in. */
function tableRows(markdown: string): Row[] {
  const rows: Row[] = [];
  let section = '';
  for (const line of markdown.split('\n')) {
    const heading = /^##\s+(.*)$/.exec(line);
    if (heading) section = heading[1]!.trim();
    if (!line.startsWith('|')) continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (/^`PS_ERR_[A-Z_]+`$/.test(cells[0] ?? ''))
      rows.push({ cells: cells.map((c) => c.replace(/^`|`$/g, '')), section });
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'test') out.push(...sourceFiles(p));
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
      out.push(p);
    }
  }
  return out;
}

describe('docs/errors.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const rows = tableRows(doc);
  const main = rows.filter((r) => r.section === 'Error codes');
  const httpOnly = rows.filter((r) => r.section === 'HTTP-only codes');

  test('has one row per ErrorCode with the same HTTP status, close code and reason', () => {
    const catalog = errorCatalog();
    const documented = new Map(main.map((r) => [r.cells[0]!, r]));
    assert.equal(documented.size, main.length, 'a code is listed twice');
    for (const entry of catalog) {
      const row = documented.get(entry.code);
      assert.ok(row, `${entry.code} is missing from docs/errors.md`);
      const [, http, close, reason, meaning] = row.cells;
      assert.equal(Number(http), entry.http, `${entry.code}: HTTP status in the doc`);
      assert.equal(Number(close), entry.close, `${entry.code}: close code in the doc`);
      assert.equal(reason, entry.reason, `${entry.code}: reason in the doc`);
      assert.ok((meaning ?? '').length > 20, `${entry.code}: meaning must say something`);
    }
    const known = new Set(catalog.map((e) => e.code as string));
    for (const code of documented.keys()) assert.ok(known.has(code), `${code} is documented but not in errors.ts`);
  });

  test('every close code in the table is a protocol close code', () => {
    const closeCodes = new Set<number>(Object.values(CloseCode));
    for (const r of main)
      assert.ok(closeCodes.has(Number(r.cells[2])), `${r.cells[0]}: ${r.cells[2]} is not in CloseCode`);
  });

  test('every PS_ERR_ literal in the broker source is documented', () => {
    const documented = new Set([...main, ...httpOnly].map((r) => r.cells[0]!));
    const used = new Map<string, string>();
    for (const file of sourceFiles(SRC)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/PS_ERR_[A-Z_]+/g)) if (!used.has(m[0])) used.set(m[0], file);
    }
    assert.ok(used.size >= errorCatalog().length, 'the source scan found the codes');
    for (const [code, file] of used)
      assert.ok(
        documented.has(code),
        `${code} (used in ${file.slice(SRC.length)}) is not documented in docs/errors.md`,
      );
    for (const r of httpOnly) assert.ok(/^\d{3}$/.test(r.cells[1]!), `${r.cells[0]}: HTTP status`);
  });
});
