/** Typed errors of the process layer; the exec session turns them into channel-3 statuses. */
export class ProcessError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProcessError';
    this.code = code;
  }
}

/** argv[0] is not on the container's PATH (or is listed in `missingBinaries`). */
export class MissingBinaryError extends ProcessError {
  readonly binary: string;
  constructor(binary: string) {
    super('PS_ERR_SIM_MISSING_BINARY', `executable file not found in $PATH: ${binary}`);
    this.name = 'MissingBinaryError';
    this.binary = binary;
  }
}

/** The OS refused to start the process (EACCES, EMFILE, PTY exhaustion, …). */
export class SpawnError extends ProcessError {
  constructor(message: string, cause?: unknown) {
    super('PS_ERR_SIM_SPAWN', message, { cause });
    this.name = 'SpawnError';
  }
}
