import { Channel } from './channels.js';

/** A decoded binary frame: the channel byte and a view (not a copy) of the payload. */
export interface Frame {
  readonly channel: number;
  readonly payload: Uint8Array;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Builds `[channel, ...payload]`. `payload` may be a string (encoded as UTF-8) or bytes. */
export function encodeFrame(channel: number, payload: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const body = typeof payload === 'string' ? utf8Encoder.encode(payload) : payload;
  const frame = new Uint8Array(body.byteLength + 1);
  frame[0] = channel;
  frame.set(body, 1);
  return frame;
}

/** Splits a binary frame into channel and payload; returns null for an empty frame (ignored by the protocol). */
export function decodeFrame(data: ArrayBuffer | Uint8Array): Frame | null {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength === 0) return null;
  return { channel: bytes[0]!, payload: bytes.subarray(1) };
}

/** The v5 half-close frame for stream `id` (0 = stdin). */
export function encodeCloseFrame(streamId: number = Channel.Stdin): Uint8Array {
  return Uint8Array.of(Channel.Close, streamId);
}

/** Decodes UTF-8 strictly; throws a TypeError on invalid bytes. */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}
