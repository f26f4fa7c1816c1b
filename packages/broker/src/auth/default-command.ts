/**
 * The command a session runs when its token names none: the classic "bash if present, else sh",
 * as a login shell, with a UTF-8 locale so multi-byte output (and line editing of it) works.
 *
 * `exec` replaces the wrapper `sh`, so the shell's pid is the exec'd process's pid. Recording that
 * pid to hang the shell up after an abandoned session (threat 19) is the orphan-shell work's job: it
 * needs the session id, which this constant cannot know.
 */
export const DEFAULT_SHELL_COMMAND: readonly string[] = Object.freeze([
  '/bin/sh',
  '-c',
  'export LANG=C.UTF-8 LC_ALL=C.UTF-8; if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi',
]);
