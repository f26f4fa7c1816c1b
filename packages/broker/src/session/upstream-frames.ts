import { Channel, interpretStatus, type ExecOutcome } from '@pod-shell/protocol';

/** What one upstream (apiserver) frame means for the relay. */
export type UpstreamFrameAction =
  | { kind: 'drop' }
  | { kind: 'data'; payloadBytes: number }
  | { kind: 'status'; outcome: ExecOutcome }
  | { kind: 'reject'; message: string };

/**
 * Classifies an apiserver frame without decoding data: stdout/stderr are forwarded unchanged (the
 * empty "connected" frame right after the 101 is dropped), channel 3 carries the final Status, and
 * anything else — text frames, channel 255, unknown channels — is a protocol violation that forwards
 * nothing and ends the session with 4500.
 */
export function classifyUpstreamFrame(data: Buffer, isBinary: boolean): UpstreamFrameAction {
  if (!isBinary) return { kind: 'reject', message: 'the Kubernetes API sent a text frame on the exec stream' };
  if (data.byteLength === 0) return { kind: 'drop' };
  const channel = data[0]!;
  if (channel === Channel.Stdout || channel === Channel.Stderr) {
    return data.byteLength === 1 ? { kind: 'drop' } : { kind: 'data', payloadBytes: data.byteLength - 1 };
  }
  if (channel === Channel.Status) {
    return { kind: 'status', outcome: interpretStatus(data.subarray(1).toString('utf8')) };
  }
  return { kind: 'reject', message: `the Kubernetes API sent a frame on channel ${channel}` };
}
