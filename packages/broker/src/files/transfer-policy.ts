import type { FileCapabilities } from '@pod-shell/protocol';
import type { AuthorizedSession } from '../auth/authorized-session.js';
import { AuthError, ErrorCode } from '../errors.js';
import { FILE_TRANSFER_DEFAULTS, type FileTransferPolicy } from '../tenants/file-transfer-policy.js';
import type { TransferDirection } from './file-transfer.js';

/** The policy a tenant's transfers follow (the loader always sets it; the defaults cover a hand-built tenant). */
export function transferPolicy(auth: AuthorizedSession): FileTransferPolicy {
  return auth.tenant.fileTransfer ?? FILE_TRANSFER_DEFAULTS;
}

/**
 * Whether this token may transfer files in `direction`: the tenant's policy allows it, and the
 * token opens the tenant's default command (its shell). A token for a restricted command (say, a
 * read-only `top`) must not become a way to write or read arbitrary files.
 */
export function checkTransferAllowed(auth: AuthorizedSession, direction: TransferDirection): FileTransferPolicy {
  const policy = transferPolicy(auth);
  if (!policy[direction])
    throw new AuthError(ErrorCode.FILE_TRANSFER_DISABLED, `File ${direction} is disabled for this tenant.`);
  const shell = auth.tenant.defaultCommand;
  if (shell !== undefined && (shell.length !== auth.command.length || shell.some((a, i) => a !== auth.command[i])))
    throw new AuthError(
      ErrorCode.FILE_TRANSFER_DISABLED,
      "File transfer needs a token for the tenant's shell; this token names another command.",
    );
  return policy;
}

/** What `hello.files` tells the element: which directions this token may use, and their limits. */
export function transferCapabilities(auth: AuthorizedSession): FileCapabilities {
  const policy = transferPolicy(auth);
  const allowed = (d: TransferDirection): boolean => {
    try {
      checkTransferAllowed(auth, d);
      return true;
    } catch {
      return false;
    }
  };
  return {
    upload: allowed('upload'),
    download: allowed('download'),
    maxUploadBytes: policy.maxUploadBytes,
    maxDownloadBytes: policy.maxDownloadBytes,
  };
}
