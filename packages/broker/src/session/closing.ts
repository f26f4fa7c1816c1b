import { CLOSE_CODE_MESSAGES, encodeControl, replaceControlChars, type ClosingMessage } from '@pod-shell/protocol';
import { toPodShellError } from '../errors.js';

/** Longest human message the broker puts in a `closing` or `error` frame. */
const MAX_MESSAGE_CHARS = 500;

/**
 * Broker-generated text shown in a terminal must not carry terminal control sequences (threat 11):
 * C0 and C1 control characters (and DEL) become spaces, and the text is cut to a bounded length.
 * Applies to messages copied from the apiserver too.
 */
export function sanitizeMessage(text: string): string {
  const clean = replaceControlChars(text).trim();
  return clean.length > MAX_MESSAGE_CHARS ? `${clean.slice(0, MAX_MESSAGE_CHARS - 1)}…` : clean;
}

/** How a session ended, as the client is told in its `closing` frame and the audit log records. */
export interface CloseInfo {
  code: number;
  /** Short, bounded reason (also the `podshell_sessions_ended_total` label). */
  reason: string;
  message: string;
  exitCode?: number;
}

/** The close info an error maps to (its PodShellError code decides the close code and reason). */
export function closeInfoFor(err: unknown): CloseInfo {
  const e = toPodShellError(err);
  return { code: e.closeCode, reason: e.reason, message: e.message };
}

export function closingFrame(info: CloseInfo): Uint8Array {
  const msg: ClosingMessage = {
    type: 'closing',
    code: info.code,
    reason: info.reason,
    message: sanitizeMessage(info.message || CLOSE_CODE_MESSAGES[info.code] || info.reason),
  };
  if (info.exitCode !== undefined) msg.exitCode = info.exitCode;
  return encodeControl(msg);
}

/**
 * The reason a WebSocket close frame may carry is at most 123 bytes; uWS rejects longer ones. The
 * full message travels in the `closing` frame; the close frame gets the short reason.
 */
export function closeFrameReason(info: CloseInfo): string {
  return info.reason.slice(0, 120);
}
