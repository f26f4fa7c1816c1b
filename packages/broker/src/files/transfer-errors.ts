import { ErrorCode, PodShellError, toPodShellError } from '../errors.js';
import { isMissingExecutable } from '../kube/shell-probe.js';
import type { ExecEnd } from './exec-stream.js';
import { EXIT_EXISTS, EXIT_NOT_FOUND, EXIT_NOT_PERMITTED } from './transfer-commands.js';
import { TarError } from './tar-stream.js';

/** Whether an exec ended because its program (argv[0]) is not in the image. */
export function missingProgram(end: ExecEnd): boolean {
  return end.kind === 'error' && end.cause === undefined && isMissingExecutable(end.message);
}

/**
 * The typed error for an exec step that did not succeed: the dial's own (RBAC, no such pod), a
 * missing program, the scripts' exit codes (transfer-commands.ts), else FILE_TRANSFER_FAILED with the
 * command's stderr (bounded) or the apiserver's message.
 */
export function stepError(end: ExecEnd, program: string): PodShellError {
  if (end.kind === 'success') return new PodShellError(ErrorCode.INTERNAL, 'internal error');
  if (end.kind === 'error' && end.cause !== undefined) return toPodShellError(end.cause);
  if (missingProgram(end))
    return new PodShellError(
      ErrorCode.FILE_TOOL_MISSING,
      `File transfer needs ${program} in the container, and this image has none.`,
    );
  const detail = (end.stderr.trim() || (end.kind === 'error' ? end.message : '')).slice(0, 500);
  if (end.kind === 'exit') {
    if (end.exitCode === EXIT_NOT_FOUND) return new PodShellError(ErrorCode.FILE_NOT_FOUND, detail || 'no such path');
    if (end.exitCode === EXIT_EXISTS) return new PodShellError(ErrorCode.FILE_EXISTS, detail || 'the name exists');
    if (end.exitCode === EXIT_NOT_PERMITTED)
      return new PodShellError(ErrorCode.FILE_TRANSFER_FAILED, `not permitted: ${detail}`);
    return new PodShellError(
      ErrorCode.FILE_TRANSFER_FAILED,
      `${program} exited with code ${end.exitCode}${detail ? `: ${detail}` : ''}`,
    );
  }
  return new PodShellError(ErrorCode.FILE_TRANSFER_FAILED, `${program} failed: ${detail}`);
}

/** A TarError as the client sees it: too large = 413, anything else = 400 naming the entry. */
export function archiveError(err: TarError): PodShellError {
  return new PodShellError(
    err.reason === 'too_large' ? ErrorCode.FILE_TOO_LARGE : ErrorCode.FILE_ARCHIVE_INVALID,
    err.message,
  );
}
