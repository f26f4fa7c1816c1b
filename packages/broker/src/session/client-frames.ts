import {
  Channel,
  decodeUtf8,
  parseClientControl,
  parseClientResize,
  type ClientControlMessage,
  type TerminalSize,
} from '@pod-shell/protocol';

/** What one client frame asks the session to do; `reject` closes the session with 4400 (or 1009). */
export type ClientFrameAction =
  | { kind: 'ignore' }
  | { kind: 'stdin'; payloadBytes: number }
  | { kind: 'resize'; size: TerminalSize }
  | { kind: 'close-stdin' }
  | { kind: 'control'; message: ClientControlMessage }
  | { kind: 'reject'; message: string; tooBig?: boolean };

/**
 * Validates a client frame (docs/protocol.md): binary only; channel 0 stdin up to the inbound limit;
 * channel 4 resize as exactly `{"Width":w,"Height":h}` with integers 1..1000; channel 255 only as
 * `[0xFF, 0]` (half-close stdin); channel 0xF0 a control object. Empty frames are ignored (as the
 * apiserver does). Any other channel, and any text frame, is rejected (threat 14).
 */
export function classifyClientFrame(
  bytes: Uint8Array,
  isBinary: boolean,
  maxInboundFrameBytes: number,
): ClientFrameAction {
  if (!isBinary)
    return { kind: 'reject', message: 'text frames are not part of the pod-shell protocol; send binary frames' };
  if (bytes.byteLength === 0) return { kind: 'ignore' };
  if (bytes.byteLength > maxInboundFrameBytes) {
    return {
      kind: 'reject',
      message: `frame of ${bytes.byteLength} bytes exceeds the ${maxInboundFrameBytes}-byte limit`,
      tooBig: true,
    };
  }
  const channel = bytes[0]!;
  const payload = bytes.subarray(1);
  switch (channel) {
    case Channel.Stdin:
      return payload.byteLength === 0 ? { kind: 'ignore' } : { kind: 'stdin', payloadBytes: payload.byteLength };
    case Channel.Resize: {
      let text: string;
      try {
        text = decodeUtf8(payload);
      } catch {
        return { kind: 'reject', message: 'resize frame is not valid UTF-8' };
      }
      const size = parseClientResize(text);
      if (size === null)
        return {
          kind: 'reject',
          message: 'resize frame must be {"Width":cols,"Height":rows} with integers from 1 to 1000',
        };
      return { kind: 'resize', size };
    }
    case Channel.Close:
      if (payload.byteLength === 1 && payload[0] === Channel.Stdin) return { kind: 'close-stdin' };
      return { kind: 'reject', message: 'close frame must be exactly [0xFF, 0] (half-close stdin)' };
    case Channel.Control:
      try {
        return { kind: 'control', message: parseClientControl(payload) };
      } catch (err) {
        return { kind: 'reject', message: `malformed control frame: ${(err as Error).message}` };
      }
    default:
      return {
        kind: 'reject',
        message: `channel ${channel} is not accepted from clients (allowed: 0 stdin, 4 resize, 255 close, 240 control)`,
      };
  }
}
