import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { download, filesUrl, send, sha256File, treeDigest, uploadFile, uploadTar } from './files-client.js';
import { startHarness, type Harness } from './harness.js';

/**
 * File transfer through the real broker and kube-sim (whose containers' files live on this host, so
 * the test reads them directly): byte-exact uploads and downloads of a large file and of a directory
 * tree, a cancelled upload that leaves nothing, the cat fallback without tar; audit, metrics,
 * /debug/sessions, and every gauge back at 0 after each test. POD_SHELL_FILES_TEST_MB sets the large
 * file's size (default 8; the 100 MB run is recorded in docs/benchmarks.md).
 */
const LARGE_MB = Number(process.env['POD_SHELL_FILES_TEST_MB'] ?? '8');

let h: Harness;
let work: string;
let home: string;

function randomFile(path: string, bytes: number): void {
  const chunk = 1024 * 1024;
  writeFileSync(path, '');
  for (let done = 0; done < bytes; done += chunk)
    writeFileSync(path, randomBytes(Math.min(chunk, bytes - done)), { flag: 'a' });
}

function tarOf(dir: string): Buffer {
  return execFileSync('tar', ['-c', '-f', '-', '-C', dir, '.'], { maxBuffer: 1024 * 1024 * 1024 });
}

function metric(text: string, name: string, labels: string): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{${labels}}`) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

before(async () => {
  h = await startHarness();
  work = mkdtempSync(join(tmpdir(), 'pod-shell-files-'));
  // The container's home, as the broker resolves it (kube-sim runs containers on this host).
  writeFileSync(join(work, 'probe'), 'x');
  const probe = await uploadFile(h, join(work, 'probe'), '', 'probe.txt', { token: h.token() });
  assert.equal(probe.status, 200, JSON.stringify(probe.json));
  home = String(probe.json!['dir']);
  assert.ok(existsSync(join(home, 'probe.txt')));
});

after(async () => {
  await h.close();
  rmSync(work, { recursive: true, force: true });
});

test(`a ${LARGE_MB} MB file goes up and comes back byte-exact, audited, measured, listed while it runs`, async () => {
  const src = join(work, 'large.bin');
  randomFile(src, LARGE_MB * 1024 * 1024);
  const want = sha256File(src);
  const up = await uploadFile(h, src, '~/up', 'large.bin', { token: h.token() });
  // The destination must exist: the first try names a missing directory.
  assert.equal(up.status, 404, JSON.stringify(up.json));
  assert.equal(up.json!['error'], 'PS_ERR_FILE_NOT_FOUND');
  mkdirSync(join(home, 'up'));
  const ok = await uploadFile(h, src, '~/up', 'large.bin', { token: h.token() });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.equal(ok.json!['dir'], join(home, 'up'));
  assert.equal(sha256File(join(home, 'up', 'large.bin')), want);
  assert.deepEqual(readdirSync(join(home, 'up')), ['large.bin'], 'no temp directory is left');

  const hash = createHash('sha256');
  let listed: unknown[] = [];
  let polled = false;
  const down = await download(h, 'up/large.bin', { token: h.token() }, (c) => {
    hash.update(c);
    if (!polled) {
      polled = true;
      void h
        .admin('/debug/sessions')
        .then((r) => (listed = (JSON.parse(r.text) as { transfers: unknown[] }).transfers));
    }
  });
  assert.equal(down.status, 200);
  assert.equal(down.headers['x-pod-shell-kind'], 'file');
  assert.equal(down.headers['x-pod-shell-size'], String(LARGE_MB * 1024 * 1024));
  assert.match(String(down.headers['content-disposition']), /filename="large.bin"/);
  assert.equal(hash.digest('hex'), want);
  await h.waitIdle();
  assert.equal(h.broker.gauges.value('fileTransfers'), 0);
  assert.ok(
    listed.some((t) => (t as { direction: string; path: string }).direction === 'download'),
    `the running download was listed in /debug/sessions: ${JSON.stringify(listed)}`,
  );

  const ends = h.logs.filter((l) => l['event'] === 'file.end' && String(l['path']).includes('large.bin'));
  assert.deepEqual(
    ends.map((l) => [l['direction'], l['outcome'], l['bytes']]),
    [['download', 'ok', LARGE_MB * 1024 * 1024]],
  );
  const upEnds = h.logs.filter((l) => l['event'] === 'file.end' && l['direction'] === 'upload' && l['path'] === 'up');
  assert.deepEqual(
    upEnds.map((l) => [l['outcome'], l['bytes'], l['subject'], l['tenant']]),
    [
      ['file_not_found', 0, 'alice', 'test'],
      ['ok', LARGE_MB * 1024 * 1024, 'alice', 'test'],
    ],
  );
  const m = await (
    await fetch(`${h.adminUrl}/metrics`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } })
  ).text();
  assert.ok(metric(m, 'podshell_file_transfer_bytes_total', 'direction="download"') >= LARGE_MB * 1024 * 1024);
  assert.ok(metric(m, 'podshell_file_transfers_total', 'direction="upload",outcome="file_not_found"') >= 1);
  assert.equal(metric(m, 'podshell_file_transfers_in_flight', ''), 0);
});

test('a directory tree goes up as a tar and comes back as a tar, byte-exact; links are left out of the download', async () => {
  const tree = join(work, 'tree');
  mkdirSync(join(tree, 'src', 'deep', 'er'), { recursive: true });
  randomFile(join(tree, 'src', 'big.bin'), 3 * 1024 * 1024 + 17);
  writeFileSync(join(tree, 'src', 'deep', 'er', 'leaf.txt'), 'leaf\n');
  writeFileSync(join(tree, 'src', '.hidden'), 'dot\n');
  writeFileSync(join(tree, 'src', 'deep', 'empty'), '');
  writeFileSync(join(tree, 'src', 'deep', `${'long-name-'.repeat(12)}.txt`), 'a name past 100 bytes\n');
  const want = treeDigest(tree);
  const up = await uploadTar(h, tarOf(tree), '', { token: h.token() });
  assert.equal(up.status, 200, JSON.stringify(up.json));
  assert.deepEqual(up.json!['names'], ['src']);
  assert.deepEqual(treeDigest(join(home, 'src')), treeDigest(join(tree, 'src')));

  // Uploading the same directory again changes nothing: directories are not merged.
  const again = await uploadTar(h, tarOf(tree), '', { token: h.token() });
  assert.equal(again.status, 409, JSON.stringify(again.json));
  assert.equal(again.json!['error'], 'PS_ERR_FILE_EXISTS');
  assert.equal(readdirSync(home).filter((n) => n.startsWith('.pod-shell-upload-')).length, 0);

  symlinkSync('/etc/passwd', join(home, 'src', 'passwd-link'));
  const chunks: Buffer[] = [];
  const down = await download(h, '~/src', { token: h.token() }, (c) => chunks.push(c));
  assert.equal(down.status, 200);
  assert.equal(down.headers['x-pod-shell-kind'], 'dir');
  assert.match(String(down.headers['content-disposition']), /filename="src.tar"/);
  const out = join(work, 'out');
  mkdirSync(join(out, 'src'), { recursive: true });
  execFileSync('tar', ['-x', '-f', '-', '-C', join(out, 'src')], { input: Buffer.concat(chunks) });
  const got = treeDigest(out);
  assert.deepEqual(got, want);
  await h.waitIdle();
  const end = h.logs.filter((l) => l['event'] === 'file.end' && l['direction'] === 'download').pop()!;
  assert.equal(end['skipped'], 1, 'the symlink was dropped from the archive');
});

test('a cancelled upload leaves no partial file and no temp directory', async () => {
  const dest = join(home, 'cancel');
  mkdirSync(dest);
  const size = 64 * 1024 * 1024;
  let sent = 0;
  let req: ReturnType<typeof import('node:http').request> | undefined;
  const answer = send(filesUrl(h, `/v1/files/upload?dir=cancel&name=partial.bin`), 'POST', null, {
    token: h.token(),
    contentType: 'application/octet-stream',
    contentLength: size,
    onRequest: (r) => {
      req = r;
    },
  }).catch((e: unknown) => e);
  // Write 4 MiB, then wait until the broker is streaming into the container and has taken bytes.
  const block = randomBytes(256 * 1024);
  while (sent < 4 * 1024 * 1024) {
    sent += block.length;
    if (!req!.write(block)) await new Promise((r) => req!.once('drain', r));
  }
  for (;;) {
    const r = JSON.parse((await h.admin('/debug/sessions')).text) as { transfers: { state: string; bytes: number }[] };
    if (r.transfers.some((t) => t.state === 'streaming' && t.bytes > 0)) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const partial = readdirSync(dest);
  assert.equal(partial.length, 1, 'the upload is in its temp directory while it streams');
  assert.match(partial[0]!, /^\.pod-shell-upload-/);
  req!.destroy();
  await answer;
  await h.waitIdle();
  assert.deepEqual(readdirSync(dest), [], 'nothing is left of the cancelled upload');
  const end = h.logs.filter((l) => l['event'] === 'file.end' && l['path'] === 'cancel').pop()!;
  assert.equal(end['outcome'], 'cancelled');
});

test('without tar: one file goes up and down through cat; a directory is a typed error', async () => {
  const src = join(work, 'small.bin');
  randomFile(src, 300 * 1024 + 5);
  const token = h.token({ pod: 'no-tar' });
  const up = await uploadFile(h, src, '', 'small.bin', { token });
  assert.equal(up.status, 200, JSON.stringify(up.json));
  const noTarHome = String(up.json!['dir']);
  assert.equal(sha256File(join(noTarHome, 'small.bin')), sha256File(src));
  assert.equal(h.logs.filter((l) => l['event'] === 'file.end' && l['viaCat'] === true).length, 1);
  const hash = createHash('sha256');
  const down = await download(h, 'small.bin', { token }, (c) => hash.update(c));
  assert.equal(down.status, 200);
  assert.equal(hash.digest('hex'), sha256File(src));
  mkdirSync(join(work, 'small-tree', 'd'), { recursive: true });
  writeFileSync(join(work, 'small-tree', 'd', 'f'), 'f\n');
  const tree = await uploadTar(h, tarOf(join(work, 'small-tree')), '', { token });
  assert.equal(tree.status, 422, JSON.stringify(tree.json));
  assert.equal(tree.json!['error'], 'PS_ERR_FILE_TOOL_MISSING');
  const dir = await download(h, '', { token });
  assert.equal(dir.status, 422);
  assert.equal(dir.json!['error'], 'PS_ERR_FILE_TOOL_MISSING');
  assert.deepEqual(
    readdirSync(noTarHome).filter((n) => n.startsWith('.pod-shell-upload-')),
    [],
  );
  await h.waitIdle();
});

// Last: it drains the harness's broker.
test('drain cancels a running upload and still removes its partial files', async () => {
  const dest = join(home, 'drain');
  mkdirSync(dest);
  let req: ReturnType<typeof import('node:http').request> | undefined;
  const answer = send(filesUrl(h, `/v1/files/upload?dir=drain&name=partial.bin`), 'POST', null, {
    token: h.token(),
    contentType: 'application/octet-stream',
    contentLength: 64 * 1024 * 1024,
    onRequest: (r) => {
      req = r;
    },
  }).catch((e: unknown) => e);
  const block = randomBytes(256 * 1024);
  for (let sent = 0; sent < 2 * 1024 * 1024; sent += block.length)
    if (!req!.write(block)) await new Promise((r) => req!.once('drain', r));
  for (;;) {
    const r = JSON.parse((await h.admin('/debug/sessions')).text) as { transfers: { state: string; bytes: number }[] };
    if (r.transfers.some((t) => t.state === 'streaming' && t.bytes > 0)) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  await h.broker.drain();
  req!.destroy();
  await answer;
  assert.equal(h.broker.gauges.value('fileTransfers'), 0, 'drain waited for the transfer to end');
  assert.deepEqual(readdirSync(dest), []);
  const end = h.logs.filter((l) => l['event'] === 'file.end' && l['path'] === 'drain').pop()!;
  assert.equal(end['outcome'], 'draining');
});
