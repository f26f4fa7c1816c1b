import type { DebugContainerPolicy } from './debug-policy.js';
import type { FileTransferPolicy } from './file-transfer-policy.js';

/** One tenant, as loaded and validated from the tenants file (see docs/tenants.md). Frozen after load. */
export interface TenantKey {
  kid: string;
  /** Pinned algorithm: the token header's `alg` must equal it (never derived from the token). */
  alg:
    | 'RS256'
    | 'RS384'
    | 'RS512'
    | 'ES256'
    | 'ES384'
    | 'ES512'
    | 'PS256'
    | 'PS384'
    | 'PS512'
    | 'HS256'
    | 'HS384'
    | 'HS512'
    | 'EdDSA';
  /** Verification key: a PEM public key for asymmetric algorithms, or the shared secret for HS*. */
  verifyKey: string;
  /** Signing key (private PEM or the secret) when present: used only by `pod-shell-broker token`. Key material is non-enumerable on loaded tenants (never serialized). */
  signKey?: string;
}

export interface TenantIdentity {
  /** Kubernetes user to impersonate; `{sub}` is replaced by the token's subject. Unset = no impersonation. */
  user?: string;
  groups: string[];
  /** Impersonate-Extra-* values; `{sub}` replaced as above. */
  extra: Record<string, string[]>;
}

export interface TenantLimits {
  maxConcurrentSessions: number;
  maxSessionSeconds: number;
  idleTimeoutSeconds: number;
  connectsPerMinute: number;
  /** How long a resumable session keeps its shell after the client's connection dropped (0 = resume off). */
  resumeGraceSeconds: number;
  /** The most recent output a resumable session keeps for replay (bytes of stdout/stderr payload). */
  resumeBufferBytes: number;
  /** The most watchers (observer connections) one session may have at once, on its holder replica. */
  maxObserversPerSession: number;
}

export interface Tenant {
  name: string;
  issuer: string;
  audience: string;
  keys: TenantKey[];
  /** Exact-match origins (scheme://host[:port]). */
  allowedOrigins: string[];
  /** Glob patterns for allowed namespaces (`*` matches any run of characters). */
  namespaces: string[];
  /** Commands a token may name (argv arrays). The default command is always allowed. */
  allowedCommands: string[][];
  identity: TenantIdentity;
  /** kubeconfig context to use for this tenant (multi-cluster); unset = the current context. */
  kubeContext?: string;
  limits: TenantLimits;
  /** Whether the broker ends the remote shell when a session ends without the command exiting. */
  endOrphanedShells: boolean;
  /**
   * Whether an upgrade without an `Origin` header (a non-browser client: CLI, k6) is accepted.
   * Browsers always send `Origin` on a WebSocket upgrade, so this never weakens the CSWSH defence;
   * it is still opt-in (unset = false) so a tenant only accepts what it declared. Always set by the loader.
   */
  allowMissingOrigin?: boolean;
  /** argv used when a token names no command; always allowed. Unset = DEFAULT_SHELL_COMMAND. Always set by the loader. */
  defaultCommand?: string[];
  /** The debug-container fallback for images without a shell (off unless enabled). Always set by the loader. */
  debugContainers?: DebugContainerPolicy;
  /** Whether observer tokens (claim `observe`) may watch this tenant's live sessions, read-only (off unless set). Always set by the loader. */
  observers?: boolean;
  /** Upload and download through `/v1/files` (docs/tenants.md "fileTransfer"). Always set by the loader. */
  fileTransfer?: FileTransferPolicy;
}
