import { ErrorCode, PodShellError, toPodShellError } from '../errors.js';
import type { FileTransfer } from './file-transfer.js';
import type { RequestBody } from './request-body.js';
import { fileHeader, fileTrailer, TarError, TarFilter } from './tar-stream.js';
import {
  catInto,
  commitUpload,
  extractTar,
  prepareUpload,
  removeTemp,
  TAR_PROBE,
  uploadTempName,
} from './transfer-commands.js';
import { openData, step, type TransferEnv } from './transfer-env.js';
import { archiveError, missingProgram, stepError } from './transfer-errors.js';

/** A tar body, or one file's raw bytes (`name`, with a Content-Length). */
export type UploadBody = { kind: 'tar' } | { kind: 'file'; name: string; size: number };

export interface UploadResult {
  /** The destination directory's absolute path in the container. */
  dir: string;
  /** Top-level names put into it. */
  names: string[];
  entries: number;
  /** Whether the `cat` fallback was used (no tar in the image). */
  viaCat: boolean;
}

/**
 * Upload flow: prepare (resolve the destination, create a private temp directory in it) → extract
 * the streamed body into the temp directory (`tar -x`; a single file without tar: `cat`) → commit
 * (move the entries into place) — or, on any failure, cancel or disconnect, remove the temp
 * directory. Returns or throws only once the container holds either the complete upload or none
 * of it. The body reaches the container with backpressure both ways (RequestBody pauses the
 * client's request while the exec socket has STDIN_HIGH_WATER_BYTES unflushed).
 */
export async function runUpload(
  env: TransferEnv,
  t: FileTransfer,
  dir: string,
  upload: UploadBody,
  body: RequestBody,
  maxBytes: number,
): Promise<UploadResult> {
  const temp = uploadTempName();
  t.state = 'preparing';
  // Not cancelled midway: the temp directory may exist once it ran, and its path comes from its output.
  const prep = await step(env, prepareUpload(dir, temp));
  if (prep.end.kind !== 'success') throw stepError(prep.end, 'sh');
  const dest = prep.stdout.trim().split('\n').pop() ?? '';
  if (!dest.startsWith('/')) throw new PodShellError(ErrorCode.FILE_TRANSFER_FAILED, 'the destination did not resolve');
  try {
    t.throwIfCancelled();
    let viaCat = false;
    if (upload.kind === 'file') {
      viaCat = missingProgram((await step(env, TAR_PROBE)).end);
      t.throwIfCancelled();
    }
    t.state = 'streaming';
    const filter = await pump(env, t, `${dest}/${temp}`, upload, viaCat, body, maxBytes);
    t.state = 'committing';
    const commit = await step(env, commitUpload(dest, temp));
    if (commit.end.kind !== 'success') throw stepError(commit.end, 'sh');
    const names = filter !== null ? [...filter.stats.topLevel] : [upload.kind === 'file' ? upload.name : ''];
    return { dir: dest, names, entries: filter?.stats.entries ?? 1, viaCat };
  } catch (err) {
    t.state = 'cleaning';
    await step(env, removeTemp(dest, temp));
    throw err;
  }
}

/** Streams the body into the data exec; resolves with the archive filter (tar bodies) once the exec succeeded. */
function pump(
  env: TransferEnv,
  t: FileTransfer,
  tempPath: string,
  upload: UploadBody,
  viaCat: boolean,
  body: RequestBody,
  maxBytes: number,
): Promise<TarFilter | null> {
  return new Promise((resolve, reject) => {
    let failed: PodShellError | null = null;
    let complete = false;
    const filter = upload.kind === 'tar' ? new TarFilter('refuse-links', maxBytes) : null;
    // An archive of tiny files is mostly headers: its body may be twice the content limit plus 16 MiB.
    const maxBody = upload.kind === 'tar' ? 2 * maxBytes + 16 * 1024 * 1024 : upload.size;
    const command =
      upload.kind === 'tar'
        ? extractTar(tempPath)
        : viaCat
          ? catInto(`${tempPath}/${upload.name}`)
          : extractTar(tempPath);
    const exec = openData(env, command, { drained: () => body.resume() });
    const fail = (err: PodShellError): void => {
      if (failed !== null) return;
      failed = err;
      exec.terminate();
    };
    t.onCancel(() => fail(t.cancelled!));
    exec.opened.then(
      () => {
        if (failed !== null) return;
        if (upload.kind === 'file' && !viaCat)
          exec.write(fileHeader(upload.name, upload.size, Math.floor(Date.now() / 1000)));
        body.start((chunk, isLast) => {
          if (failed !== null) return;
          t.bytes += chunk.length;
          let ok = true;
          try {
            if (t.bytes > maxBody)
              throw new PodShellError(ErrorCode.FILE_TOO_LARGE, `the upload is larger than ${maxBody} bytes`);
            if (filter !== null) for (const part of filter.push(chunk)) ok = exec.write(part) && ok;
            else if (chunk.length > 0) ok = exec.write(chunk);
          } catch (err) {
            fail(err instanceof TarError ? archiveError(err) : toPodShellError(err));
            return;
          }
          if (!ok) body.pause();
          if (!isLast) return;
          if (filter !== null && !filter.stats.ended)
            fail(
              new PodShellError(
                ErrorCode.FILE_ARCHIVE_INVALID,
                'the archive ends without its end-of-archive blocks (truncated?)',
              ),
            );
          else if (upload.kind === 'file' && t.bytes !== upload.size)
            fail(new PodShellError(ErrorCode.FILE_TRANSFER_CANCELLED, 'the upload ended before Content-Length bytes'));
          else {
            if (upload.kind === 'file' && !viaCat) exec.write(fileTrailer(upload.size));
            complete = true;
            exec.closeStdin();
          }
        });
      },
      () => undefined,
    );
    void exec.ended.then((end) => {
      t.onCancel(null);
      exec.terminate();
      if (failed !== null) reject(failed);
      else if (end.kind !== 'success') reject(stepError(end, viaCat ? 'cat' : 'tar'));
      else if (!complete)
        reject(new PodShellError(ErrorCode.FILE_TRANSFER_FAILED, 'the command ended before the upload was complete'));
      else resolve(filter);
    });
  });
}
