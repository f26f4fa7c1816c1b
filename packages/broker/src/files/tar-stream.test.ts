import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkEntryName, fileHeader, fileTrailer, TarError, TarFilter } from './tar-stream.js';

/** Feeds `data` in `step`-byte pieces (headers split across chunks) and returns what the filter forwarded. */
function run(filter: TarFilter, data: Buffer, step = 97): Buffer {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += step)
    out.push(...filter.push(data.subarray(i, i + step)).map((p) => Uint8Array.from(p)));
  return Buffer.concat(out);
}

function gnuTar(build: (dir: string) => void, ...flags: string[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'tar-stream-'));
  try {
    build(dir);
    return execFileSync('tar', ['-c', '-f', '-', ...flags, '-C', dir, '.']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a real archive (GNU long names, pax) passes through byte for byte, in any chunking', () => {
  const tar = gnuTar((d) => {
    mkdirSync(join(d, 'a', 'b'), { recursive: true });
    writeFileSync(join(d, 'a', 'b', `${'x'.repeat(150)}.txt`), 'long\n');
    writeFileSync(join(d, 'a', 'f.bin'), Buffer.alloc(70_000, 7));
  });
  for (const step of [1, 97, 512, 4096, 1 << 20]) {
    const f = new TarFilter('refuse-links', 1 << 30);
    assert.deepEqual(run(f, tar, step), tar, `chunks of ${step}`);
    assert.equal(f.stats.ended, true);
    assert.equal(f.stats.contentBytes, 70_005);
    assert.deepEqual([...f.stats.topLevel], ['a']);
  }
  const pax = gnuTar((d) => writeFileSync(join(d, `${'ü'.repeat(80)}.txt`), 'pax\n'), '--format=pax');
  assert.deepEqual(run(new TarFilter('refuse-links', 1 << 30), pax), pax);
});

test('names with a ".." component or an absolute path are refused, also through pax and GNU long names', () => {
  for (const bad of ['../x', 'a/../../x', '..', '/etc/passwd']) assert.throws(() => checkEntryName(bad), TarError, bad);
  for (const ok of ['a', './a', 'a/b..c', '..a', 'a/.../b']) checkEntryName(ok);
  const longName = gnuTar((d) => writeFileSync(join(d, `${'y'.repeat(120)}`), 'z'));
  // Rewrite the GNU long name record's text to climb out: same length, so the archive stays valid.
  const text = longName.toString('latin1');
  const at = text.indexOf('./' + 'y'.repeat(120));
  const evil = Buffer.from(longName);
  evil.write('../' + 'y'.repeat(119), at, 'latin1');
  assert.throws(() => run(new TarFilter('refuse-links', 1 << 30), evil), /leaves the destination/);
});

test('links and special files: refused on upload, dropped on download with the rest kept valid', () => {
  const tar = gnuTar((d) => {
    writeFileSync(join(d, 'keep.txt'), 'keep\n');
    symlinkSync('/etc/passwd', join(d, 'link'));
  });
  assert.throws(
    () => run(new TarFilter('refuse-links', 1 << 30), tar),
    (e: unknown) => e instanceof TarError && e.reason === 'link',
  );
  const f = new TarFilter('drop-links', 1 << 30);
  const kept = run(f, tar);
  assert.equal(f.stats.skipped, 1);
  const listing = execFileSync('tar', ['-t', '-v', '-f', '-'], { input: kept }).toString();
  assert.match(listing, /keep\.txt/);
  assert.doesNotMatch(listing, /link/);
});

test('a bad checksum, a truncated archive and content past the limit are errors', () => {
  const one = Buffer.concat([fileHeader('f', 3, 0), Buffer.from('abc'), fileTrailer(3)]);
  assert.deepEqual(run(new TarFilter('refuse-links', 10), one), one);
  const corrupt = Buffer.from(one);
  corrupt[0] = 'g'.charCodeAt(0);
  assert.throws(() => run(new TarFilter('refuse-links', 10), corrupt), /bad checksum/);
  const f = new TarFilter('refuse-links', 10);
  run(f, one.subarray(0, 512 + 3));
  assert.equal(f.stats.ended, false, 'no end block seen: the upload is not complete');
  assert.throws(
    () => run(new TarFilter('refuse-links', 2), one),
    (e: unknown) => e instanceof TarError && e.reason === 'too_large',
  );
  const listing = execFileSync('tar', ['-t', '-v', '-f', '-'], { input: one }).toString();
  assert.match(listing, /-rw-r--r-- .* 3 .* f\n/);
});
