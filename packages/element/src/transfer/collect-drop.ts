import type { UploadEntry } from './tar-blob.js';

/** What a drop holds: one plain file (sent as is), or entries for a tar archive (several files, directories). */
export type DroppedUpload = { kind: 'file'; file: File } | { kind: 'tree'; entries: UploadEntry[] };

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function readAll(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  // readEntries answers in batches (100 in Chromium) until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, prefix: string, out: UploadEntry[]): Promise<void> {
  const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
  if (entry.isFile) out.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
  else if (entry.isDirectory) {
    out.push({ path });
    for (const child of await readAll(entry as FileSystemDirectoryEntry)) await walk(child, path, out);
  }
}

/**
 * Reads a drop. Must be called synchronously in the `drop` handler (the DataTransfer's items are
 * emptied once it returns); the directory walk itself continues asynchronously.
 */
export function collectDrop(dt: DataTransfer): Promise<DroppedUpload | null> {
  const roots = [...dt.items]
    .filter((i) => i.kind === 'file')
    .map((i) => (typeof i.webkitGetAsEntry === 'function' ? i.webkitGetAsEntry() : null));
  const files = [...dt.files];
  return (async () => {
    const entries = roots.filter((r): r is FileSystemEntry => r !== null);
    if (entries.length > 0 && entries.length === roots.length && entries.some((r) => r.isDirectory)) {
      const tree: UploadEntry[] = [];
      for (const r of entries) await walk(r, '', tree);
      return { kind: 'tree', entries: tree };
    }
    return fromFiles(files);
  })();
}

/** Plain files (an `<input type=file multiple>` or a drop without directories). */
export function fromFiles(files: readonly File[]): DroppedUpload | null {
  if (files.length === 0) return null;
  if (files.length === 1) return { kind: 'file', file: files[0]! };
  return { kind: 'tree', entries: files.map((file) => ({ path: file.name, file })) };
}

export function uploadSize(u: DroppedUpload): number {
  return u.kind === 'file' ? u.file.size : u.entries.reduce((n, e) => n + (e.file?.size ?? 0), 0);
}

export function uploadLabel(u: DroppedUpload): string {
  if (u.kind === 'file') return u.file.name;
  const tops = new Set(u.entries.map((e) => e.path.split('/')[0]));
  return tops.size === 1 ? [...tops][0]! : `${tops.size} items`;
}
