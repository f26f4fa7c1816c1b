import { CLOSE_CODE_MESSAGES, replaceControlChars, type ClosingMessage } from '@pod-shell/protocol';

/** Longest broker-provided message shown; anything longer is cut (the status layer is not a log). */
export const MAX_STATUS_TEXT = 300;

/**
 * Broker-generated text is displayed as text (never HTML), and control characters are removed
 * first so a message cannot smuggle terminal or bidi tricks into the status layer (threat 11).
 */
export function sanitizeStatusText(text: string): string {
  // C0 and C1 controls (tab/newline included: status lines are single-line), DEL, and the
  // Unicode bidi overrides/isolates that can visually reorder text.
  const cleaned = replaceControlChars(text, ' ', { bidi: true }).replace(/ {2,}/g, ' ').trim();
  return cleaned.length > MAX_STATUS_TEXT ? `${cleaned.slice(0, MAX_STATUS_TEXT - 1)}…` : cleaned;
}

/** The message shown when a socket that never opened is closed (refused upgrade, unreachable broker). */
export const NEVER_OPENED_MESSAGE =
  'Could not connect to the terminal broker: it is unreachable, or it refused this page (origin or token).';

export interface CloseSummaryInput {
  code: number;
  reason: string;
  /** The `closing` control frame that preceded the close, if any. */
  closing?: ClosingMessage | undefined;
  /** Whether the WebSocket ever reached the open state. */
  opened: boolean;
}

/**
 * The human message for a close: the broker's `closing` message when it matches the code,
 * else the protocol's message for the code, else a generic one naming the code.
 */
export function closeMessage({ code, reason, closing, opened }: CloseSummaryInput): string {
  if (closing && closing.code === code && typeof closing.message === 'string' && closing.message.trim() !== '') {
    return sanitizeStatusText(closing.message);
  }
  if (!opened && code === 1006) return NEVER_OPENED_MESSAGE;
  const known = CLOSE_CODE_MESSAGES[code];
  if (known !== undefined) return known;
  const why = sanitizeStatusText(reason);
  return why ? `The connection closed (code ${code}: ${why}).` : `The connection closed (code ${code}).`;
}
