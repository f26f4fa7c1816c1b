import type { HttpResponse } from 'uWebSockets.js';
import { ErrorCode, PodShellError, toPodShellError } from '../errors.js';
import { isAborted, markDone, statusLine } from '../server/http-reply.js';
import type { FileTransfer } from './file-transfer.js';
import { TarError, TarFilter } from './tar-stream.js';
import { catFile, statPath, tarDirectory } from './transfer-commands.js';
import { openData, step, type TransferEnv } from './transfer-env.js';
import { archiveError, stepError } from './transfer-errors.js';

export interface DownloadResult {
  kind: 'file' | 'dir';
  abs: string;
  /** Link and special entries left out of a directory's archive. */
  skipped: number;
  entries: number;
}

/** A file name for Content-Disposition: the path's last component, quote- and control-free. */
export function downloadName(abs: string, kind: 'file' | 'dir'): string {
  const base = abs.replace(/\/+$/, '').split('/').pop() || 'root';
  // eslint-disable-next-line no-control-regex
  const safe = base.replace(/["\\\u0000-\u001f\u007f]/g, '_');
  return kind === 'dir' ? `${safe}.tar` : safe;
}

/**
 * Download flow: stat the path (file: its size, checked against the limit before any byte is sent;
 * directory: its absolute path), then stream `cat` (a file, as is) or `tar -c` (a directory, as a
 * `.tar` whose link and special entries are dropped and whose names are checked by TarFilter) to the
 * response. Backpressure: when uWS buffers a write, the exec socket stops reading until the
 * response is writable again. The status line is written with the first byte (or at the end of an
 * empty file), so a missing `tar` is still a typed error; a failure after that aborts the response
 * (the client sees a truncated, failed transfer, never a short file that looks complete).
 */
export async function runDownload(
  env: TransferEnv,
  t: FileTransfer,
  res: HttpResponse,
  path: string,
  maxBytes: number,
  headers: Record<string, string>,
): Promise<DownloadResult> {
  t.state = 'preparing';
  const stat = await step(env, statPath(path));
  t.throwIfCancelled();
  if (stat.end.kind !== 'success') throw stepError(stat.end, 'sh');
  const lines = stat.stdout.split('\n');
  const kind = lines[0] === 'dir' ? 'dir' : 'file';
  const abs = (kind === 'dir' ? lines[1] : lines[2]) ?? '';
  const size = kind === 'file' ? Number(lines[1]) : null;
  if (!abs.startsWith('/') || (size !== null && !Number.isSafeInteger(size)))
    throw new PodShellError(ErrorCode.FILE_TRANSFER_FAILED, 'the path did not resolve');
  if (size !== null && size > maxBytes)
    throw new PodShellError(ErrorCode.FILE_TOO_LARGE, `the file has ${size} bytes; the limit is ${maxBytes}`);
  t.state = 'streaming';
  const filter = kind === 'dir' ? new TarFilter('drop-links', maxBytes) : null;
  await new Promise<void>((resolve, reject) => {
    let failed: PodShellError | null = null;
    let started = false;
    const begin = (): void => {
      if (started) return;
      started = true;
      markDone(res);
      res.writeStatus(statusLine(200));
      const all: Record<string, string> = {
        ...headers,
        'content-type': kind === 'dir' ? 'application/x-tar' : 'application/octet-stream',
        'content-disposition': `attachment; filename="${downloadName(abs, kind)}"`,
        'cache-control': 'no-store',
        'x-pod-shell-kind': kind,
        'x-pod-shell-transfer': t.id,
        ...(size !== null ? { 'x-pod-shell-size': String(size) } : {}),
      };
      for (const [k, v] of Object.entries(all)) res.writeHeader(k, v);
    };
    const exec = openData(env, kind === 'dir' ? tarDirectory(abs) : catFile(abs), {
      stdout: (data) => {
        // Empty frames carry nothing (kube-sim and some apiservers open with one): they must not commit the status line.
        if (failed !== null || isAborted(res) || data.length === 0) return;
        let parts: Uint8Array[];
        try {
          parts = filter !== null ? filter.push(data) : [data];
        } catch (err) {
          fail(err instanceof TarError ? archiveError(err) : toPodShellError(err));
          return;
        }
        let ok = true;
        res.cork(() => {
          begin();
          for (const p of parts) {
            t.bytes += p.length;
            ok = res.write(p) && ok;
          }
        });
        if (t.bytes > maxBytes + (filter !== null ? 16 * 1024 * 1024 : 0)) {
          fail(new PodShellError(ErrorCode.FILE_TOO_LARGE, `the download passed the limit of ${maxBytes} bytes`));
          return;
        }
        if (!ok) {
          exec.pause();
          res.onWritable(() => {
            exec.resume();
            return true;
          });
        }
      },
    });
    const fail = (err: PodShellError): void => {
      if (failed !== null) return;
      failed = err;
      exec.terminate();
    };
    t.onCancel(() => fail(t.cancelled!));
    void exec.ended.then((end) => {
      t.onCancel(null);
      exec.terminate();
      const err =
        failed ??
        (end.kind !== 'success'
          ? stepError(end, kind === 'dir' ? 'tar' : 'cat')
          : filter !== null && !filter.stats.ended
            ? new PodShellError(ErrorCode.FILE_TRANSFER_FAILED, 'tar ended without the end-of-archive blocks')
            : null);
      if (err === null) {
        if (!isAborted(res))
          res.cork(() => {
            begin();
            res.end();
          });
        resolve();
        return;
      }
      // Headers already sent: only an aborted connection tells the client this is not the whole file.
      if (started && !isAborted(res)) res.close();
      reject(err);
    });
  });
  return { kind, abs, skipped: filter?.stats.skipped ?? 0, entries: filter?.stats.entries ?? 1 };
}
