/**
 * A tar archive (POSIX ustar, pax records for long or non-ASCII names) built as a Blob whose parts
 * are the dropped File objects themselves: the browser reads them from disk while it sends the
 * request, so a large upload is never copied into page memory.
 */
export interface UploadEntry {
  /** Relative path inside the upload, '/'-separated, no leading '/', no '..'. */
  path: string;
  /** The file; undefined for a directory. */
  file?: File;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(block: Uint8Array, value: number, start: number, length: number): void {
  block.set(encoder.encode(value.toString(8).padStart(length - 1, '0') + '\0'), start);
}

function header(
  name: string,
  size: number,
  type: '0' | '5' | 'x',
  mode: number,
  mtime: number,
): Uint8Array<ArrayBuffer> {
  const block = new Uint8Array(BLOCK);
  block.set(encoder.encode(name).subarray(0, 100), 0);
  octal(block, mode, 100, 8);
  octal(block, 0, 108, 8);
  octal(block, 0, 116, 8);
  octal(block, size, 124, 12);
  octal(block, Math.max(0, Math.floor(mtime)), 136, 12);
  block[156] = type.charCodeAt(0);
  block.set(encoder.encode('ustar\u000000'), 257);
  block.fill(32, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.set(encoder.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  return block;
}

/** A pax `path` record: `<len> path=<value>\n`, where len counts itself. */
function paxRecord(path: string): Uint8Array<ArrayBuffer> {
  const body = ` path=${path}\n`;
  const bodyBytes = encoder.encode(body).length;
  let len = bodyBytes + 1;
  while (String(len).length + bodyBytes !== len) len++;
  return Uint8Array.from(encoder.encode(`${len}${body}`));
}

const padding = (size: number): Uint8Array<ArrayBuffer> => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);

/** Whether a relative path may go into the archive (the broker refuses the same names). */
export function validEntryPath(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.split('/').includes('..');
}

export function tarBlob(entries: readonly UploadEntry[]): Blob {
  const parts: BlobPart[] = [];
  for (const e of entries) {
    if (!validEntryPath(e.path)) throw new TypeError(`cannot upload ${JSON.stringify(e.path)}: not a relative path`);
    const name = e.file === undefined ? `${e.path.replace(/\/+$/, '')}/` : e.path;
    const mtime = (e.file?.lastModified ?? Date.now()) / 1000;
    if (encoder.encode(name).length > 100 || /[^\x20-\x7e]/.test(name)) {
      const record = paxRecord(name);
      parts.push(header('PaxHeader', record.length, 'x', 0o644, mtime), record, padding(record.length));
    }
    if (e.file === undefined) parts.push(header(name, 0, '5', 0o755, mtime));
    else parts.push(header(name, e.file.size, '0', 0o644, mtime), e.file, padding(e.file.size));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return new Blob(parts, { type: 'application/x-tar' });
}
