import { accessSync, constants, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { MissingBinaryError } from './errors.js';

/**
 * Resolves argv[0] the way a container runtime's exec does (execvp over the container's PATH),
 * before anything is spawned, so a missing binary fails with the runtime's error instead of a
 * shell's `not found`. A name in `missingBinaries` counts as missing even when the host has it
 * (a distroless image has no `sh`).
 */
export function resolveCommand(
  argv0: string | undefined,
  path: string,
  cwd: string,
  missingBinaries: readonly string[],
): string {
  if (argv0 === undefined || argv0 === '') throw new MissingBinaryError('');
  if (missingBinaries.includes(basename(argv0))) throw new MissingBinaryError(argv0);
  if (argv0.includes('/')) {
    const file = isAbsolute(argv0) ? argv0 : resolve(cwd, argv0);
    if (isExecutableFile(file)) return file;
    throw new MissingBinaryError(argv0);
  }
  for (const dir of path.split(':')) {
    if (dir === '') continue;
    const file = join(dir, argv0);
    if (isExecutableFile(file)) return file;
  }
  throw new MissingBinaryError(argv0);
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
