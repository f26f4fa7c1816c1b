/** WebSocket subprotocols of the Kubernetes streaming API (apimachinery remotecommand constants). */
export const K8sSubprotocol = {
  /** v5: v4 plus the channel-255 close signal. The only one kubectl ≥ 1.30 offers over WebSocket. */
  V5: 'v5.channel.k8s.io',
  /** v4: channel 3 carries a JSON `metav1.Status`. */
  V4: 'v4.channel.k8s.io',
  /** v4 with base64 text frames (kubelet/CRI path only). */
  V4Base64: 'v4.base64.channel.k8s.io',
  /** The original framing: channel 3 carries plain text on failure, nothing on success. */
  V1: 'channel.k8s.io',
  V1Base64: 'base64.channel.k8s.io',
} as const;

/**
 * Prefix of the subprotocol that carries a bearer token for browsers, which cannot set
 * `Authorization` on a WebSocket: `base64url.bearer.authorization.k8s.io.<base64url(token), no padding>`.
 */
export const K8S_BEARER_SUBPROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/** The subprotocol a pod-shell client offers and the broker echoes. */
export const POD_SHELL_SUBPROTOCOL = 'pod-shell.v1';

/**
 * Prefix of the subprotocol that carries the tenant's JWT: `pod-shell.bearer.<jwt>`.
 * A JWT is made of token characters, so it can travel there unencoded. Never echoed.
 */
export const POD_SHELL_BEARER_PREFIX = 'pod-shell.bearer.';

/** The path of the broker's session endpoint (configurable on the broker). */
export const DEFAULT_SESSION_PATH = '/v1/session';
