/**
 * A streaming filter over a tar archive (POSIX ustar, pax `x`/`g` headers, GNU `L` long names) that
 * forwards the archive's bytes unchanged while checking every entry header before it is forwarded.
 * Rule: no entry may name a path outside the extraction root — no absolute name, no `..` component —
 * and no entry may be a link or a special file (a symlink entry followed by a file through it is the
 * classic escape, "zip-slip"). On upload such an archive is refused (TarError); on download link and
 * special entries are dropped (counted in `skipped`) and the rest of the archive is kept valid.
 * Memory: one 512-byte header block and the current pax/long-name records (at most
 * MAX_META_BYTES) are held; file data is forwarded as views of the input chunks, never collected.
 */

const BLOCK = 512;
/** Largest pax extended header or GNU long name accepted (real ones are a few hundred bytes). */
const MAX_META_BYTES = 64 * 1024;

export type TarMode = 'refuse-links' | 'drop-links';

/** Why an archive was refused: `reason` is a short machine word, `message` is for the user. */
export class TarError extends Error {
  constructor(
    readonly reason: 'traversal' | 'absolute' | 'link' | 'special' | 'malformed' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'TarError';
  }
}

/** Whether `name` stays inside the extraction root: relative, no `..` component, not empty. */
export function checkEntryName(name: string): void {
  if (name === '' || name.includes('\0')) throw new TarError('malformed', 'an archive entry has an empty name');
  if (name.startsWith('/'))
    throw new TarError('absolute', `the archive entry ${JSON.stringify(name)} is an absolute path`);
  if (name.split('/').includes('..'))
    throw new TarError('traversal', `the archive entry ${JSON.stringify(name)} leaves the destination through ".."`);
}

function cString(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(end === -1 ? field : field.subarray(0, end)).toString('utf8');
}

/** Octal (space/NUL terminated) or GNU base-256 (high bit set) numeric field. */
function numeric(block: Uint8Array, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if ((field[0]! & 0x80) !== 0) {
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = Buffer.from(field)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError('malformed', 'an archive header has a malformed numeric field');
  return parseInt(text, 8);
}

function checksumOk(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return numeric(block, 148, 8) === sum;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** `path` and `linkpath` of a pax extended header (`<len> key=value\n` records). */
function paxFields(data: Uint8Array): { path?: string; linkpath?: string } {
  const out: { path?: string; linkpath?: string } = {};
  const text = Buffer.from(data).toString('utf8');
  let i = 0;
  while (i < text.length) {
    const space = text.indexOf(' ', i);
    if (space === -1) break;
    const len = Number(text.slice(i, space));
    if (!Number.isInteger(len) || len <= 0) throw new TarError('malformed', 'a pax header record is malformed');
    const record = text.slice(space + 1, i + len - 1);
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    if (key === 'path' || key === 'linkpath') out[key] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

const padded = (size: number): number => Math.ceil(size / BLOCK) * BLOCK;

/** What the filter knows about the archive so far. */
export interface TarStats {
  entries: number;
  /** Bytes of regular-file content. */
  contentBytes: number;
  /** Link and special entries dropped (drop-links mode only). */
  skipped: number;
  /** True once the end-of-archive block was seen. */
  ended: boolean;
  /** First path component of every entry (what an upload puts into the destination). */
  topLevel: Set<string>;
}

export class TarFilter {
  readonly stats: TarStats = { entries: 0, contentBytes: 0, skipped: 0, ended: false, topLevel: new Set() };
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  /** Bytes of the current entry's body (data + padding) still to pass or drop. */
  private bodyLeft = 0;
  private bodyForward = true;
  /** Collecting a pax/long-name body: its bytes, and what to do with it when complete. */
  private meta: { kind: 'x' | 'g' | 'L' | 'K'; size: number; chunks: Uint8Array[]; got: number } | null = null;
  /** Header blocks (and their records) held until the entry they describe is accepted or dropped. */
  private pending: Uint8Array[] = [];
  private nextPath: string | undefined;

  constructor(
    private readonly mode: TarMode,
    private readonly maxContentBytes: number,
  ) {}

  /** Feeds one chunk; returns the byte ranges to forward, in order (views of `chunk` or held headers). Throws TarError. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.stats.ended) {
        // Trailing padding after the end marker (tar writes whole records): passed through unchanged.
        out.push(chunk.subarray(i));
        break;
      }
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        const part = chunk.subarray(i, i + n);
        if (this.meta !== null) this.collectMeta(part);
        else if (this.bodyForward) out.push(part);
        this.bodyLeft -= n;
        i += n;
        if (this.bodyLeft === 0 && this.meta !== null) this.finishMeta();
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - i);
      this.header.set(chunk.subarray(i, i + n), this.headerFill);
      this.headerFill += n;
      i += n;
      if (this.headerFill === BLOCK) {
        const block = this.header;
        this.header = new Uint8Array(BLOCK);
        this.headerFill = 0;
        this.onHeader(block, out);
      }
    }
    return out;
  }

  private collectMeta(part: Uint8Array): void {
    const m = this.meta!;
    const keep = Math.max(0, Math.min(part.length, m.size - m.got));
    if (keep > 0) m.chunks.push(Uint8Array.from(part.subarray(0, keep)));
    m.got += keep;
    this.pending.push(Uint8Array.from(part));
  }

  private finishMeta(): void {
    const m = this.meta!;
    this.meta = null;
    const data = Buffer.concat(m.chunks);
    if (m.kind === 'x' || m.kind === 'g') {
      const f = paxFields(data);
      if (f.path !== undefined) {
        if (m.kind === 'g') throw new TarError('malformed', 'a global pax header may not set a path');
        this.nextPath = f.path;
      }
    } else if (m.kind === 'L') {
      this.nextPath = cString(data, 0, data.length);
    }
  }

  private onHeader(block: Uint8Array, out: Uint8Array[]): void {
    if (isZeroBlock(block)) {
      if (this.pending.length > 0) throw new TarError('malformed', 'the archive ends inside an extended header');
      this.stats.ended = true;
      out.push(block);
      return;
    }
    if (!checksumOk(block)) throw new TarError('malformed', 'an archive header has a bad checksum (not a tar stream?)');
    const type = String.fromCharCode(block[156]!);
    const size = numeric(block, 124, 12);
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (size > MAX_META_BYTES) throw new TarError('malformed', 'an extended archive header is too large');
      this.meta = { kind: type, size, chunks: [], got: 0 };
      this.pending.push(block);
      this.bodyLeft = padded(size);
      if (this.bodyLeft === 0) this.finishMeta();
      return;
    }
    const magic = cString(block, 257, 6);
    const prefix = magic === 'ustar' ? cString(block, 345, 155) : '';
    const headerName = cString(block, 0, 100);
    const name = this.nextPath ?? (prefix !== '' ? `${prefix}/${headerName}` : headerName);
    this.nextPath = undefined;
    checkEntryName(name);
    const regular = type === '0' || type === '\0' || type === '7';
    const directory = type === '5';
    let forward = true;
    if (!regular && !directory) {
      const kind = type === '1' || type === '2' ? 'link' : 'special';
      if (this.mode === 'refuse-links')
        throw new TarError(
          kind,
          `the archive entry ${JSON.stringify(name)} is a ${kind === 'link' ? 'link' : 'special file'}; only files and directories are accepted`,
        );
      forward = false;
      this.stats.skipped++;
    }
    if (forward) {
      for (const p of this.pending) out.push(p);
      out.push(block);
      this.stats.entries++;
      const top = name.replace(/^(\.\/)+/, '').split('/')[0]!;
      if (top !== '' && top !== '.') this.stats.topLevel.add(top);
      if (regular) {
        this.stats.contentBytes += size;
        if (this.stats.contentBytes > this.maxContentBytes)
          throw new TarError('too_large', `the archive's files exceed the limit of ${this.maxContentBytes} bytes`);
      }
    }
    this.pending = [];
    this.bodyForward = forward;
    this.bodyLeft = regular || !forward ? padded(size) : 0;
  }
}

/** The 512-byte ustar header of one regular file (the broker builds it for a raw single-file upload). */
export function fileHeader(name: string, size: number, mtimeSeconds: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new TarError('malformed', 'the file name is longer than 100 bytes');
  block.set(nameBytes, 0);
  const octal = (value: number, start: number, length: number): void => {
    block.set(Buffer.from(value.toString(8).padStart(length - 1, '0') + '\0', 'latin1'), start);
  };
  octal(0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(mtimeSeconds, 136, 12);
  block[156] = '0'.charCodeAt(0);
  block.set(Buffer.from('ustar\x0000', 'latin1'), 257);
  block.fill(32, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.set(Buffer.from(sum.toString(8).padStart(6, '0') + '\0 ', 'latin1'), 148);
  return block;
}

/** What follows a file's data in a single-file archive: padding to the block, then the two end blocks. */
export function fileTrailer(size: number): Uint8Array {
  return new Uint8Array(padded(size) - size + 2 * BLOCK);
}
