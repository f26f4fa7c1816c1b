import { randomBytes } from 'node:crypto';
import { ErrorCode, PodShellError } from '../errors.js';

/**
 * The commands a transfer runs in the container, as argv (never a string a shell parses: user paths
 * are positional parameters, "$1", so no path can inject a command). Small steps use `sh`; the data
 * steps run `tar` or `cat` directly, so a missing `tar` is the runtime's own "executable file not
 * found" (how the file-transfer code tells it apart from a failing `tar`).
 * Exit codes of the scripts: 10 no such path, 11 not permitted, 12 a name already exists as a directory.
 */
export const EXIT_NOT_FOUND = 10;
export const EXIT_NOT_PERMITTED = 11;
export const EXIT_EXISTS = 12;

/** Longest path accepted from a user (Linux PATH_MAX). */
const MAX_PATH_LENGTH = 4096;

/** Starts every script: relative paths are relative to the shell's home ($HOME, else /). */
const HOME = 'cd -- "${HOME:-/}" 2>/dev/null || cd /';

/**
 * A user's path: '' or '~' = the home directory, '~/x' = x under it, anything else as given.
 * Refused: control characters (NUL included) and lengths past PATH_MAX. `..` is allowed here: the
 * user picks any directory their shell could `cd` to; what must not escape it is an archive's entries.
 */
export function userPath(value: string | null, what: string): string {
  const v = value ?? '';
  if (v.length > MAX_PATH_LENGTH)
    throw new PodShellError(ErrorCode.BAD_REQUEST, `${what} is longer than ${MAX_PATH_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v))
    throw new PodShellError(ErrorCode.BAD_REQUEST, `${what} contains a control character`);
  if (v === '~') return '';
  return v.startsWith('~/') ? v.slice(2) : v;
}

/** A single file's name for a raw upload: one path component, not `.` or `..`, at most 100 bytes. */
export function uploadFileName(value: string | null): string {
  const v = value ?? '';
  if (v === '' || v === '.' || v === '..' || v.includes('/') || v.includes('\\'))
    throw new PodShellError(
      ErrorCode.FILE_ARCHIVE_INVALID,
      `the file name ${JSON.stringify(v)} must be one path component (no "/", not "." or "..")`,
    );
  userPath(v, 'the file name');
  if (Buffer.byteLength(v) > 100)
    throw new PodShellError(ErrorCode.FILE_ARCHIVE_INVALID, 'the file name is longer than 100 bytes');
  return v;
}

/** The upload's private directory inside the destination (removed on failure, emptied into place on success). */
export function uploadTempName(): string {
  return `.pod-shell-upload-${randomBytes(9).toString('base64url')}`;
}

/** Prints the destination's absolute path after creating the temp directory in it (mode 700). */
export function prepareUpload(dir: string, temp: string): string[] {
  return [
    'sh',
    '-c',
    `${HOME}
if [ -n "$1" ]; then cd -- "$1" 2>/dev/null || { echo "no such directory: $1" >&2; exit ${EXIT_NOT_FOUND}; }; fi
mkdir -m 700 -- "$2" || exit ${EXIT_NOT_PERMITTED}
pwd`,
    'pod-shell-upload',
    dir,
    temp,
  ];
}

/** Extracts the archive on stdin into the temp directory. */
export function extractTar(tempPath: string): string[] {
  return ['tar', '-x', '-f', '-', '-C', tempPath];
}

/** The fallback without tar: one file's bytes on stdin into the temp directory. */
export function catInto(filePath: string): string[] {
  return ['sh', '-c', 'exec cat > "$1"', 'pod-shell-upload', filePath];
}

/** Asks the runtime whether `tar` exists (its answer, not a shell's: see the header comment). */
export const TAR_PROBE = ['tar', '--version'];

/**
 * Moves the temp directory's entries into the destination, or changes nothing: a name that exists
 * there as a directory, or an uploaded directory whose name exists, is refused (no merging); an
 * existing file or symlink of the same name is replaced (the link itself, never its target).
 */
export function commitUpload(dest: string, temp: string): string[] {
  return [
    'sh',
    '-c',
    `cd -- "$1" || exit ${EXIT_NOT_FOUND}
t=$2
for f in "$t"/* "$t"/.[!.]* "$t"/..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  n=\${f#"$t"/}
  if { [ -d "$n" ] && [ ! -L "$n" ]; } || { [ -d "$f" ] && { [ -e "$n" ] || [ -L "$n" ]; }; }; then
    echo "$n already exists in $1" >&2; rm -rf -- "$t"; exit ${EXIT_EXISTS}
  fi
done
for f in "$t"/* "$t"/.[!.]* "$t"/..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  mv -f -- "$f" "\${f#"$t"/}" || { rm -rf -- "$t"; exit ${EXIT_NOT_PERMITTED}; }
done
rmdir -- "$t"`,
    'pod-shell-upload',
    dest,
    temp,
  ];
}

/** Removes an upload's temp directory and everything in it. */
export function removeTemp(dest: string, temp: string): string[] {
  return ['rm', '-rf', '--', `${dest}/${temp}`];
}

/** Prints `file\n<size>\n<abs>` or `dir\n<abs>` for the path to download. */
export function statPath(path: string): string[] {
  return [
    'sh',
    '-c',
    `${HOME}
p=\${1:-.}
if [ -d "$p" ]; then
  cd -- "$p" 2>/dev/null || { echo "cannot enter $p" >&2; exit ${EXIT_NOT_PERMITTED}; }
  printf 'dir\\n%s\\n' "$PWD"
elif [ -f "$p" ]; then
  [ -r "$p" ] || { echo "cannot read $p" >&2; exit ${EXIT_NOT_PERMITTED}; }
  s=$(wc -c < "$p") || exit ${EXIT_NOT_PERMITTED}
  case $p in /*) a=$p ;; *) a=$PWD/$p ;; esac
  printf 'file\\n%s\\n%s\\n' $s "$a"
else
  echo "no such file or directory: $p" >&2; exit ${EXIT_NOT_FOUND}
fi`,
    'pod-shell-download',
    path,
  ];
}

export function tarDirectory(abs: string): string[] {
  return ['tar', '-c', '-f', '-', '-C', abs, '.'];
}

export function catFile(abs: string): string[] {
  return ['cat', '--', abs];
}
