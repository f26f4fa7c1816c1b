import type { Fields } from './field-checks.js';

/**
 * A tenant's file transfer policy (docs/tenants.md "fileTransfer"): upload and download through
 * the broker's `/v1/files` route with the session token. On by default — a token that opens the
 * tenant's shell can already write and read any file its user may — and bounded by these limits.
 */
export interface FileTransferPolicy {
  upload: boolean;
  download: boolean;
  /** Largest upload: the request body for a single file, the sum of the files' sizes for an archive. */
  maxUploadBytes: number;
  /** Largest download: the file's size, or the archive's bytes for a directory. */
  maxDownloadBytes: number;
  /** Transfers of this tenant running at once on one replica; more are refused with 429. */
  maxConcurrent: number;
  /** A transfer still running after this long is ended (and an upload's partial files removed). */
  maxSeconds: number;
}

export const FILE_TRANSFER_FIELDS = [
  'upload',
  'download',
  'maxUploadBytes',
  'maxDownloadBytes',
  'maxConcurrent',
  'maxSeconds',
];

const GIB = 1024 * 1024 * 1024;

export const FILE_TRANSFER_DEFAULTS: FileTransferPolicy = Object.freeze({
  upload: true,
  download: true,
  maxUploadBytes: GIB,
  maxDownloadBytes: GIB,
  maxConcurrent: 4,
  maxSeconds: 3600,
});

export function loadFileTransferPolicy(f: Fields): FileTransferPolicy {
  f.onlyKnown(FILE_TRANSFER_FIELDS);
  const d = FILE_TRANSFER_DEFAULTS;
  return {
    upload: f.bool('upload', d.upload),
    download: f.bool('download', d.download),
    maxUploadBytes: f.int('maxUploadBytes', d.maxUploadBytes, 0, 64 * GIB),
    maxDownloadBytes: f.int('maxDownloadBytes', d.maxDownloadBytes, 0, 64 * GIB),
    maxConcurrent: f.int('maxConcurrent', d.maxConcurrent, 0, 1000),
    maxSeconds: f.int('maxSeconds', d.maxSeconds, 1, 86_400),
  };
}
