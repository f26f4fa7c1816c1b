import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileHeader, fileTrailer } from '../files/tar-stream.js';
import { download, filesUrl, send, uploadFile, uploadTar } from './files-client.js';
import { startHarness, tenantDoc, type Harness } from './harness.js';

/**
 * The file transfer threats (docs/security.md, threats 22–26): path traversal, zip-slip through a
 * link, absolute names, size exhaustion, cross-tenant use and a restricted token widening into file
 * access. Each attack must fail with its typed error and leave nothing behind (no file outside the
 * destination, no temp directory), and the gauges return to 0.
 */
let h: Harness;
let work: string;
let home: string;

const SMALL = {
  name: 'small',
  issuer: 'https://small.example',
  fileTransfer: { maxUploadBytes: 65536, maxDownloadBytes: 65536 },
};
const READONLY = { name: 'readonly', issuer: 'https://readonly.example', fileTransfer: { upload: false } };
const OTHER = {
  name: 'other',
  issuer: 'https://other.example',
  namespaces: ['team-a'],
  allowedOrigins: ['https://other.example.org'],
};

/** One tar entry built by hand: the archive a hostile client would send. */
function entry(name: string, type: string, data: Buffer = Buffer.alloc(0), linkname = ''): Buffer {
  const header = Buffer.from(fileHeader(name.slice(0, 100), data.length, 0));
  header[156] = type.charCodeAt(0);
  header.write(linkname, 157, 'utf8');
  header.fill(32, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, pad]);
}

function pax(path: string): Buffer {
  const rec = (k: string, v: string): string => {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len++;
    return `${len}${body}`;
  };
  return entry('PaxHeader/x', 'x', Buffer.from(rec('path', path)));
}

const archive = (...entries: Buffer[]): Buffer => Buffer.concat([...entries, Buffer.from(fileTrailer(0))]);

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('.pod-shell-upload-'));
}

before(async () => {
  h = await startHarness({
    tenants: [tenantDoc(SMALL), tenantDoc(READONLY), tenantDoc(OTHER)],
    // Read lazily (after start): the tenants' origins decide the CORS answers.
    deps: {
      tenants: {
        byIssuer: (iss) => h.tenants.find((t) => t.issuer === iss),
        get: (name) => h.tenants.find((t) => t.name === name),
        current: () => h.tenants,
      },
    },
  });
  work = mkdtempSync(join(tmpdir(), 'pod-shell-files-threats-'));
  writeFileSync(join(work, 'probe'), 'x');
  const probe = await uploadFile(h, join(work, 'probe'), '', 'probe.txt', { token: h.token() });
  assert.equal(probe.status, 200, JSON.stringify(probe.json));
  home = String(probe.json!['dir']);
  mkdirSync(join(home, 'dest'));
});

after(async () => {
  await h.close();
  rmSync(work, { recursive: true, force: true });
});

async function refusedArchive(tar: Buffer, error: string, pattern: RegExp): Promise<void> {
  const r = await uploadTar(h, tar, 'dest', { token: h.token() });
  assert.equal(r.json?.['error'], error, JSON.stringify(r.json));
  assert.match(String(r.json?.['message']), pattern);
  await h.waitIdle();
  assert.deepEqual(readdirSync(join(home, 'dest')), [], 'nothing reached the destination');
  assert.deepEqual(leftovers(join(home, 'dest')), []);
}

test('path traversal: an entry with ".." is refused and nothing is written above the destination', async () => {
  const tar = archive(
    entry('ok.txt', '0', Buffer.from('fine\n')),
    entry('../escaped.txt', '0', Buffer.from('pwned\n')),
  );
  await refusedArchive(tar, 'PS_ERR_FILE_ARCHIVE_INVALID', /leaves the destination/);
  assert.equal(existsSync(join(home, 'escaped.txt')), false);
  // The same name hidden in a pax header's path record.
  await refusedArchive(
    archive(pax('a/../../escaped.txt'), entry('harmless', '0', Buffer.from('x'))),
    'PS_ERR_FILE_ARCHIVE_INVALID',
    /leaves the destination/,
  );
  assert.equal(existsSync(join(home, 'escaped.txt')), false);
});

test('absolute names are refused', async () => {
  const target = join(work, 'absolute.txt');
  await refusedArchive(archive(entry(target, '0', Buffer.from('x'))), 'PS_ERR_FILE_ARCHIVE_INVALID', /absolute path/);
  assert.equal(existsSync(target), false);
});

test('zip-slip through links: symlink and hard-link entries are refused before anything is extracted', async () => {
  const outside = join(work, 'outside');
  mkdirSync(outside);
  await refusedArchive(
    archive(entry('link', '2', Buffer.alloc(0), outside), entry('link/evil.txt', '0', Buffer.from('pwned\n'))),
    'PS_ERR_FILE_ARCHIVE_INVALID',
    /is a link/,
  );
  assert.deepEqual(readdirSync(outside), []);
  await refusedArchive(
    archive(entry('hard', '1', Buffer.alloc(0), '/etc/passwd')),
    'PS_ERR_FILE_ARCHIVE_INVALID',
    /is a link/,
  );
  await refusedArchive(archive(entry('fifo', '6')), 'PS_ERR_FILE_ARCHIVE_INVALID', /special file/);
});

test('a single-file name must be one path component', async () => {
  for (const name of ['../up.txt', 'a/b.txt', '..', '/etc/x']) {
    const r = await uploadFile(h, join(work, 'probe'), 'dest', name, { token: h.token() });
    assert.equal(r.status, 400, name);
    assert.equal(r.json!['error'], 'PS_ERR_FILE_ARCHIVE_INVALID');
  }
  assert.equal(existsSync(join(home, 'up.txt')), false);
  await h.waitIdle();
});

test('size exhaustion: the tenant limits refuse large uploads (before or while streaming) and large downloads', async () => {
  const token = h.token({ tenant: 'small' });
  const big = join(work, 'big.bin');
  writeFileSync(big, Buffer.alloc(100_000, 1));
  // Declared too large: refused before any exec runs.
  const starts = h.logs.filter((l) => l['event'] === 'file.start').length;
  const raw = await uploadFile(h, big, 'dest', 'big.bin', { token });
  assert.equal(raw.status, 413);
  assert.equal(raw.json!['error'], 'PS_ERR_FILE_TOO_LARGE');
  assert.equal(h.logs.filter((l) => l['event'] === 'file.start').length, starts, 'no transfer started');
  // An archive whose files pass the limit: refused mid-stream, the partial extraction removed.
  const tar = archive(entry('a.bin', '0', Buffer.alloc(40_000, 2)), entry('b.bin', '0', Buffer.alloc(40_000, 3)));
  const r = await uploadTar(h, tar, 'dest', { token });
  assert.equal(r.status, 413, JSON.stringify(r.json));
  await h.waitIdle();
  assert.deepEqual(readdirSync(join(home, 'dest')), []);
  // A file past the download limit is refused before its first byte.
  writeFileSync(join(home, 'big-down.bin'), Buffer.alloc(100_000, 4));
  const d = await download(h, 'big-down.bin', { token });
  assert.equal(d.status, 413);
  assert.equal(d.json!['error'], 'PS_ERR_FILE_TOO_LARGE');
  await h.waitIdle();
});

test('cross-tenant and widening: wrong tenant origin, target outside the tenant, a restricted command, a disabled direction, a lock', async () => {
  // Tenant "other" may only reach team-a: its token for default/demo is refused.
  const other = await download(h, 'probe.txt', {
    token: h.token({ tenant: 'other' }),
    origin: 'https://other.example.org',
  });
  assert.equal(other.status, 403);
  assert.equal(other.json!['error'], 'PS_ERR_TARGET_FORBIDDEN');
  // A genuine token sent from another tenant's origin.
  const origin = await download(h, 'probe.txt', { token: h.token(), origin: 'https://other.example.org' });
  assert.equal(origin.status, 403);
  assert.equal(origin.json!['error'], 'PS_ERR_ORIGIN_FORBIDDEN');
  const none = await send(filesUrl(h, '/v1/files/download?path=probe.txt'), 'POST', null, { token: '' });
  assert.equal(none.status, 401);
  const forged = await download(h, 'probe.txt', { token: h.token() + 'x' });
  assert.equal(forged.status, 401);
  assert.equal(forged.json!['error'], 'PS_ERR_TOKEN_INVALID');
  // A token for a command other than the shell never becomes file access.
  const restricted = await download(h, 'probe.txt', { token: h.token({ command: ['sh', '-c', 'yes'] }) });
  assert.equal(restricted.status, 403);
  assert.equal(restricted.json!['error'], 'PS_ERR_FILE_TRANSFER_DISABLED');
  const disabled = await uploadFile(h, join(work, 'probe'), 'dest', 'p.txt', {
    token: h.token({ tenant: 'readonly' }),
  });
  assert.equal(disabled.status, 403);
  assert.equal(disabled.json!['error'], 'PS_ERR_FILE_TRANSFER_DISABLED');
  assert.equal(existsSync(join(home, 'dest', 'p.txt')), false);
  // A lock on the subject keeps it out of file transfer as it does out of sessions.
  const lock = await h.admin('/admin/locks', {
    method: 'POST',
    body: JSON.stringify({ tenant: 'test', subject: 'mallory', message: 'Access under review.' }),
  });
  assert.equal(lock.status, 201, lock.text);
  const locked = await download(h, 'probe.txt', { token: h.token({ sub: 'mallory' }) });
  assert.equal(locked.status, 403);
  assert.deepEqual([locked.json!['error'], locked.json!['message']], ['PS_ERR_LOCKED', 'Access under review.']);
  const allowed = await download(h, 'probe.txt', { token: h.token({ tenant: 'readonly' }) });
  assert.equal(allowed.status, 200, 'download stays allowed for the read-only tenant');
  assert.equal(allowed.body.toString(), 'x');
  await h.waitIdle();
});

test('CORS: the preflight and the answers name only a tenant origin', async () => {
  const preflight = async (origin: string): Promise<Response> =>
    fetch(filesUrl(h, '/v1/files/upload?dir=x'), {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
  const ok = await preflight('https://other.example.org');
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://other.example.org');
  assert.match(String(ok.headers.get('access-control-allow-headers')), /authorization/);
  const evil = await preflight('https://evil.example');
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  const answer = await download(h, 'probe.txt', { token: h.token() });
  assert.equal(answer.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.match(String(answer.headers['access-control-expose-headers']), /x-pod-shell-size/);
  await h.waitIdle();
});

// Last: it leaves 127.0.0.1 throttled on the files route for a minute.
test('forged tokens: past AUTH_FAILURES_PER_MINUTE_PER_IP the files route refuses unverified with 429', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) statuses.push((await download(h, 'probe.txt', { token: h.token() + 'x' })).status);
  const firstRefusal = statuses.indexOf(429);
  assert.ok(firstRefusal > 0 && firstRefusal <= 30, `401s then 429s: ${statuses.join(',')}`);
  assert.ok(statuses.slice(0, firstRefusal).every((s) => s === 401));
  assert.ok(statuses.slice(firstRefusal).every((s) => s === 429));
  const genuine = await download(h, 'probe.txt', { token: h.token() });
  assert.equal(genuine.status, 429, 'the address is capped, whatever it sends');
  assert.equal(genuine.json!['error'], 'PS_ERR_AUTH_RATE_LIMITED');
  await h.waitIdle();
});
