/**
 * Channel numbers of the Kubernetes exec/attach WebSocket framing (`channel.k8s.io` family).
 * pod-shell's client↔broker protocol reuses the same layout, so stdout frames from the
 * apiserver are forwarded to the browser byte-for-byte. The first byte of every binary
 * frame is the channel; the rest is the payload.
 */
export const Channel = {
  /** client → server: bytes for the process's stdin. */
  Stdin: 0,
  /** server → client: the process's stdout (and stderr, when a TTY is allocated). */
  Stdout: 1,
  /** server → client: the process's stderr (non-TTY sessions only). */
  Stderr: 2,
  /** server → client: one `metav1.Status` JSON that ends the command (v4/v5). */
  Status: 3,
  /** client → server: a stream of `{"Width":cols,"Height":rows}` JSON objects (TTY only). */
  Resize: 4,
  /** client → server (v5 only): `[0xFF, id]` half-closes stream `id` (0 = stdin → EOF). */
  Close: 255,
  /** pod-shell only, both directions: one UTF-8 JSON control object with a `type` field. */
  Control: 0xf0,
} as const;

export type ChannelNumber = (typeof Channel)[keyof typeof Channel];

/** Channels a pod-shell client may send to the broker; anything else is rejected with 4400. */
export const CLIENT_CHANNELS: ReadonlySet<number> = new Set([
  Channel.Stdin,
  Channel.Resize,
  Channel.Close,
  Channel.Control,
]);

/** Channels a Kubernetes exec server may send; the broker forwards these unchanged. */
export const SERVER_DATA_CHANNELS: ReadonlySet<number> = new Set([Channel.Stdout, Channel.Stderr, Channel.Status]);
