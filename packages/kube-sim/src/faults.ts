/**
 * Fault injection for tests. Set at start (`startKubeSim({ faults })`) or at run time
 * (`sim.setFaults({...})`, which replaces the whole set). Each fault applies to every exec, or only to
 * execs into `pod` when that is given.
 */
export interface Faults {
  /** Only execs into this pod name are affected (any namespace). Unset = every exec. */
  pod?: string;
  /** Wait this long before answering the exec upgrade. */
  upgradeDelayMs?: number;
  /**
   * Refuse the exec upgrade with this HTTP status and a `Status` body carrying `message`.
   * `trailingBytes` are written on the socket after the response (a confused-deputy test: a client
   * must not treat them as stream data).
   */
  refuseUpgrade?: { status: number; message?: string; trailingBytes?: string };
  /** Destroy the TCP connection (no close frame, no status) after this many stdout/stderr payload bytes. */
  dropAfterBytes?: number;
  /** Split every output payload (stdout, and stderr without tty) into frames of at most this many bytes (to cut UTF-8 characters across frames). */
  splitStdoutEvery?: number;
  /** Hold all output and the status until the fault is cleared; the process is paused as for a slow client. */
  stallOutput?: boolean;
  /** Deliver stdin to the process at most this many bytes per second. */
  stdinBytesPerSecond?: number;
  /**
   * `'v4'`: behave like a cluster before 1.30 (or with `TranslateStreamCloseWebsocketRequests` off), or an
   * authenticating proxy in front of the apiserver: `v5.channel.k8s.io` is not served, every WebSocket exec
   * goes the kubelet path (`v4.channel.k8s.io` / `channel.k8s.io`, first match in the client's order; an
   * offer of v5 alone is refused with 403).
   */
  maxExecProtocol?: 'v4';
  /**
   * Ephemeral containers added through the API (`pod` scopes it too): `'hold'` keeps them `waiting`
   * (`ContainerCreating`) until the fault is cleared; `'pull-error'` leaves them `waiting` with
   * `ErrImagePull` and the registry's message, as for an image that cannot be pulled.
   */
  ephemeralContainers?: 'hold' | 'pull-error';
}
