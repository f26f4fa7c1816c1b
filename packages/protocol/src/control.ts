import { Channel } from './channels.js';
import { decodeUtf8, encodeFrame } from './frames.js';
import type { ObserversMessage } from './observe.js';

/** The container a session is attached to. */
export interface SessionTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** broker → client, the first frame after authentication. */
export interface HelloMessage {
  type: 'hello';
  session: string;
  expiresAt: number;
  idleTimeoutMs: number;
  target: SessionTarget;
  /**
   * Present when the image had no shell and the broker attached to a debug (ephemeral) container
   * instead; `target.container` is then that container. `targetContainer` is the container whose
   * processes it shares ('' when it shares none); `reused` = the owner's running one was attached.
   */
  debugContainer?: { name: string; image: string; targetContainer: string; reused: boolean };
  /** What this session's token may do through the broker's file transfer routes (absent: a broker without them). */
  files?: FileCapabilities;
  /**
   * Resume extension (only for a client that offered `pod-shell.resumable.v1` or resumed): the
   * credential for the next resume (single use, replaced by every successful attach) and how long
   * the broker keeps the shell after the connection drops.
   */
  resume?: { credential: string; graceMs: number };
  /** Resume extension: the output offset (stdout + stderr payload bytes) of the next output byte sent. */
  offset?: number;
  /** Resume extension: true when this `hello` continues a session after a resume. */
  resumed?: boolean;
  /** Resume extension: output bytes after the client's offset that were no longer buffered (lost). */
  skipped?: number;
  /** Observe extension: true for a read-only watcher (`pod-shell.observe.v1`); it may send nothing but a close. */
  observer?: true;
}

/** `hello.files`: the tenant policy for this token's uploads and downloads (`/v1/files/upload`, `/v1/files/download`). */
export interface FileCapabilities {
  upload: boolean;
  download: boolean;
  maxUploadBytes: number;
  maxDownloadBytes: number;
}
/** broker → client, sent ahead of a forced close so the host page can refresh the token. */
export interface ExpiringMessage {
  type: 'expiring';
  at: number;
}
/** broker → client, right before every close. */
export interface ClosingMessage {
  type: 'closing';
  code: number;
  reason: string;
  message: string;
  exitCode?: number;
}
/** broker → client, the answer to a successful `refresh`. */
export interface ExtendedMessage {
  type: 'extended';
  expiresAt: number;
}
/** broker → client, a non-fatal refusal (for example a refresh with a bad token). */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}
/** client → broker: a new token for the same tenant, subject and target. */
export interface RefreshMessage {
  type: 'refresh';
  token: string;
}
/** client → broker: end-to-end flow control from the terminal's write queue. */
export interface FlowMessage {
  type: 'flow';
  paused: boolean;
}

/**
 * client → broker: `bytes` more stdout/stderr payload bytes have been consumed (for a terminal:
 * parsed by xterm). The first `ack`, even of 0 bytes, switches the session to windowed flow
 * control: the broker stops reading the exec stream while more than its window of output is
 * unacknowledged. The sum of all acks can never exceed the output bytes sent.
 */
export interface AckMessage {
  type: 'ack';
  bytes: number;
}

export type ServerControlMessage =
  HelloMessage | ExpiringMessage | ClosingMessage | ExtendedMessage | ErrorMessage | ObserversMessage;
export type ClientControlMessage = RefreshMessage | FlowMessage | AckMessage;

export const MAX_TOKEN_LENGTH = 8192;

export function encodeControl(message: ServerControlMessage | ClientControlMessage): Uint8Array {
  return encodeFrame(Channel.Control, JSON.stringify(message));
}

/** Parses a control payload (without the channel byte) sent by a client; throws TypeError when malformed. */
export function parseClientControl(payload: Uint8Array): ClientControlMessage {
  const value: unknown = JSON.parse(decodeUtf8(payload));
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('control frame must be a JSON object');
  const m = value as Record<string, unknown>;
  if (m['type'] === 'flow') {
    if (typeof m['paused'] !== 'boolean') throw new TypeError('flow.paused must be a boolean');
    return { type: 'flow', paused: m['paused'] };
  }
  if (m['type'] === 'ack') {
    const bytes = m['bytes'];
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0)
      throw new TypeError('ack.bytes must be a non-negative integer');
    return { type: 'ack', bytes };
  }
  if (m['type'] === 'refresh') {
    const token = m['token'];
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new TypeError(`refresh.token must be a non-empty string of at most ${MAX_TOKEN_LENGTH} characters`);
    }
    return { type: 'refresh', token };
  }
  throw new TypeError(`unknown control type ${JSON.stringify(m['type'])}`);
}

/** Parses a control payload sent by the broker; throws TypeError when malformed. */
export function parseServerControl(payload: Uint8Array): ServerControlMessage {
  const value: unknown = JSON.parse(decodeUtf8(payload));
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    throw new TypeError('control frame must be a JSON object with a type');
  }
  return value as ServerControlMessage;
}
