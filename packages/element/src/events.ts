import type { HelloMessage, SessionTarget } from '@pod-shell/protocol';

/** `pod-shell-open`: the broker accepted the token and the shell is attached. */
export interface PodShellOpenDetail {
  /** The broker's session id (for support and audit correlation). */
  session: string;
  /** The container the shell runs in. */
  target: SessionTarget;
  /** Present when the image had no shell and the session runs in a debug (ephemeral) container. */
  debugContainer?: HelloMessage['debugContainer'];
  /** When the session will be closed unless the token is refreshed (ms since the epoch). */
  expiresAt: number;
  /** The broker's idle limit in ms (0 when none). */
  idleTimeoutMs: number;
}

/** `pod-shell-expiring`: the broker will close the session at `at` unless a fresh token arrives. */
export interface PodShellExpiringDetail {
  /** When the session will be closed (ms since the epoch). */
  at: number;
}

/** `pod-shell-extended`: a refreshed token was accepted; the session now lasts until `expiresAt`. */
export interface PodShellExtendedDetail {
  expiresAt: number;
}

/** `pod-shell-close`: the session ended. `exitCode` is set when the command exited. */
export interface PodShellCloseDetail {
  /** The WebSocket close code (1000 = the command exited; 44xx/45xx see docs/protocol.md). */
  code: number;
  /** The short machine-readable reason (`expired`, `unauthorized`, …) or the socket's reason. */
  reason: string;
  /** The human message shown in the status layer. */
  message: string;
  /** The command's exit code, when it exited. */
  exitCode?: number;
}

/** `pod-shell-resume`: the same session continues after a dropped connection or a page reload. */
export interface PodShellResumeDetail {
  /** The broker's session id (unchanged). */
  session: string;
  /** The output offset the replay started at (stdout/stderr payload bytes since the session began). */
  offset: number;
  /** Output bytes the broker no longer had and could not replay (0 after a short drop). */
  skipped: number;
  /** When the session will be closed unless the token is refreshed (ms since the epoch). */
  expiresAt: number;
}

/** `pod-shell-observers`: the number of read-only observers watching this session changed. */
export interface PodShellObserversDetail {
  /** Observers watching now (0 when the last one left). */
  count: number;
}

/** `pod-shell-error`: a non-fatal refusal from the broker (for example a refresh with a bad token). */
export interface PodShellErrorDetail {
  code: string;
  message: string;
}

/** `pod-shell-transfer-start`: an upload or download began. */
export interface PodShellTransferStartDetail {
  /** The element's id for this transfer (matches the progress and end events). */
  id: string;
  direction: 'upload' | 'download';
  /** The file or directory name (for a drop of several items, "N items"). */
  name: string;
  /** The destination directory of an upload, the path of a download, as the user gave it. */
  path: string;
  /** Bytes to move, when known (a directory download's size is not). */
  total: number | null;
}

/** `pod-shell-transfer-progress`: bytes moved so far (at most every 100 ms, and once at the end). */
export interface PodShellTransferProgressDetail {
  id: string;
  direction: 'upload' | 'download';
  loaded: number;
  total: number | null;
  /** Bytes per second since the transfer started. */
  rate: number;
}

/** `pod-shell-transfer-end`: the transfer finished, failed, or was cancelled. */
export interface PodShellTransferEndDetail {
  id: string;
  direction: 'upload' | 'download';
  ok: boolean;
  cancelled: boolean;
  loaded: number;
  /** The broker's error (`PS_ERR_FILE_…`, docs/errors.md) when it refused or failed the transfer. */
  error?: { code: string; message: string };
  /** An upload's absolute destination in the container and the names put there. */
  dir?: string;
  names?: string[];
}

export type PodShellOpenEvent = CustomEvent<PodShellOpenDetail>;
export type PodShellTransferStartEvent = CustomEvent<PodShellTransferStartDetail>;
export type PodShellTransferProgressEvent = CustomEvent<PodShellTransferProgressDetail>;
export type PodShellTransferEndEvent = CustomEvent<PodShellTransferEndDetail>;
export type PodShellExpiringEvent = CustomEvent<PodShellExpiringDetail>;
export type PodShellExtendedEvent = CustomEvent<PodShellExtendedDetail>;
export type PodShellCloseEvent = CustomEvent<PodShellCloseDetail>;
export type PodShellErrorEvent = CustomEvent<PodShellErrorDetail>;
export type PodShellResumeEvent = CustomEvent<PodShellResumeDetail>;
export type PodShellObserversEvent = CustomEvent<PodShellObserversDetail>;

/** Every event the element emits, by name. */
export interface PodShellEventMap {
  'pod-shell-open': PodShellOpenEvent;
  'pod-shell-expiring': PodShellExpiringEvent;
  'pod-shell-extended': PodShellExtendedEvent;
  'pod-shell-close': PodShellCloseEvent;
  'pod-shell-error': PodShellErrorEvent;
  'pod-shell-transfer-start': PodShellTransferStartEvent;
  'pod-shell-transfer-progress': PodShellTransferProgressEvent;
  'pod-shell-transfer-end': PodShellTransferEndEvent;
  'pod-shell-resume': PodShellResumeEvent;
  'pod-shell-observers': PodShellObserversEvent;
}

declare global {
  // Typed `addEventListener('pod-shell-close', (e) => e.detail.code)` on any element or document.
  interface GlobalEventHandlersEventMap extends PodShellEventMap {}
}

/** Creates the element's events: they bubble and cross shadow roots so a host page can listen anywhere. */
export function podShellEvent<K extends keyof PodShellEventMap>(
  name: K,
  detail: PodShellEventMap[K]['detail'],
): PodShellEventMap[K] {
  return new CustomEvent(name, { detail, bubbles: true, composed: true }) as PodShellEventMap[K];
}
