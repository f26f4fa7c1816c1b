import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { TEST_ORIGIN, type Harness } from './harness.js';

/**
 * HTTP client side of the file transfer routes for tests and benchmarks: streams request bodies
 * from files (never whole in memory), hashes responses as they arrive.
 */
export interface FilesAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json?: Record<string, unknown>;
}

export function filesUrl(h: Pick<Harness, 'url'>, path: string): string {
  return new URL(h.url.replace(/^ws/, 'http')).origin + path;
}

export interface SendOptions {
  token: string;
  origin?: string | null;
  contentType?: string;
  contentLength?: number;
  /** Called with the request once it was sent; with a null body the caller writes and ends it (tests abort it). */
  onRequest?: (req: ReturnType<typeof request>) => void;
}

/** POSTs `body` (a stream, a buffer, or nothing) and collects the answer (small answers only, except when `sink` takes the body). */
export function send(
  url: string,
  method: 'GET' | 'POST',
  body: Readable | Buffer | null,
  o: SendOptions,
  sink?: (chunk: Buffer) => void,
): Promise<FilesAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${o.token}` };
    if (o.origin !== null) headers['origin'] = o.origin ?? TEST_ORIGIN;
    if (o.contentType !== undefined) headers['content-type'] = o.contentType;
    if (o.contentLength !== undefined) headers['content-length'] = String(o.contentLength);
    else if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => (sink !== undefined && res.statusCode === 200 ? sink(c) : chunks.push(c)));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const answer: FilesAnswer = { status: res.statusCode ?? 0, headers: res.headers, body: buf };
        if (String(res.headers['content-type']).startsWith('application/json'))
          answer.json = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
        resolve(answer);
      });
    });
    req.on('error', reject);
    o.onRequest?.(req);
    if (body === null) {
      if (o.onRequest === undefined) req.end();
    } else if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

export function uploadFile(h: Pick<Harness, 'url'>, file: string, dir: string, name: string, o: SendOptions) {
  const q = new URLSearchParams({ dir, name });
  return send(filesUrl(h, `/v1/files/upload?${q.toString()}`), 'POST', createReadStream(file), {
    contentType: 'application/octet-stream',
    contentLength: statSync(file).size,
    ...o,
  });
}

export function uploadTar(h: Pick<Harness, 'url'>, tar: Readable | Buffer, dir: string, o: SendOptions) {
  return send(filesUrl(h, `/v1/files/upload?${new URLSearchParams({ dir }).toString()}`), 'POST', tar, {
    contentType: 'application/x-tar',
    ...o,
  });
}

/** Downloads `path`; the body goes to `sink` as it arrives (answers other than 200 are collected). */
export function download(h: Pick<Harness, 'url'>, path: string, o: SendOptions, sink?: (chunk: Buffer) => void) {
  return send(filesUrl(h, `/v1/files/download?${new URLSearchParams({ path }).toString()}`), 'POST', null, o, sink);
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Relative path → sha256 of every regular file under `root` (directories listed with ''). */
export function treeDigest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        out[relative(root, p) + '/'] = '';
        walk(p);
      } else if (e.isFile()) out[relative(root, p)] = sha256File(p);
      else out[relative(root, p)] = 'other';
    }
  };
  walk(root);
  return out;
}
