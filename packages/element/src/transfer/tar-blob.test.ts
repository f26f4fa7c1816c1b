import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarBlob, validEntryPath } from './tar-blob.js';
import { filesUrl } from './files-url.js';
import { formatBytes } from './transfer-layer.js';

test('the archive built from dropped files extracts with GNU tar, long and non-ASCII names included', async () => {
  const long = `${'deep-'.repeat(25)}name.txt`;
  const blob = tarBlob([
    { path: 'dir' },
    { path: 'dir/a.txt', file: new File(['hello\n'], 'a.txt') },
    { path: `dir/${long}`, file: new File([new Uint8Array(1000).fill(7)], long) },
    { path: 'dir/ünïcode.txt', file: new File(['ü\n'], 'ünïcode.txt') },
    { path: 'empty.bin', file: new File([], 'empty.bin') },
  ]);
  assert.equal(blob.size % 512, 0);
  const out = mkdtempSync(join(tmpdir(), 'tar-blob-'));
  try {
    execFileSync('tar', ['-x', '-f', '-', '-C', out], { input: Buffer.from(await blob.arrayBuffer()) });
    assert.equal(readFileSync(join(out, 'dir', 'a.txt'), 'utf8'), 'hello\n');
    assert.deepEqual(readFileSync(join(out, 'dir', long)), Buffer.alloc(1000, 7));
    assert.equal(readFileSync(join(out, 'dir', 'ünïcode.txt'), 'utf8'), 'ü\n');
    assert.equal(readFileSync(join(out, 'empty.bin')).length, 0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('paths the broker would refuse are refused here first', () => {
  for (const bad of ['', '/etc/x', '../x', 'a/../../x']) assert.equal(validEntryPath(bad), false, bad);
  assert.throws(() => tarBlob([{ path: '../x', file: new File(['x'], 'x') }]), TypeError);
});

test('the files URL follows the session URL: same host, http(s) for ws(s), never the token', () => {
  assert.equal(
    filesUrl('wss://broker.example.com/v1/session', 'upload', { dir: '~/a b', name: 'f.txt' }),
    'https://broker.example.com/v1/files/upload?dir=%7E%2Fa+b&name=f.txt',
  );
  assert.equal(
    filesUrl('ws://127.0.0.1:8080/v1/session', 'download', { path: '/etc' }),
    'http://127.0.0.1:8080/v1/files/download?path=%2Fetc',
  );
});

test('sizes read like a download manager', () => {
  assert.deepEqual([0, 999, 1000, 12_582_912, 150_000_000, 2e12].map(formatBytes), [
    '0 B',
    '999 B',
    '1.0 kB',
    '12.6 MB',
    '150 MB',
    '2.0 TB',
  ]);
});
