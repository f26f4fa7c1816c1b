/**
 * Resume (protocol v1, resume extension 1): a session whose client offered `pod-shell.resumable.v1`
 * survives a dropped connection for the tenant's grace period; the client comes back with the
 * resume credential from its last `hello` and the output offset it had received. docs/protocol.md.
 */

/** Offered (besides `pod-shell.v1`) by a client that can resume: it gets a credential in `hello`. */
export const POD_SHELL_RESUMABLE = 'pod-shell.resumable.v1';

/** Prefix of the subprotocol a resuming client offers: `pod-shell.resume.<credential>.<offset>`. Never echoed. */
export const POD_SHELL_RESUME_PREFIX = 'pod-shell.resume.';

/** base64url, as the broker writes session ids (128 bits) and resume secrets (256 bits). */
const ID = /^[A-Za-z0-9_-]{16,64}$/;
const OFFSET = /^(0|[1-9][0-9]{0,15})$/;

/** What a resume subprotocol carries. `secret` is single use: a successful resume replaces it. */
export interface ResumeRequest {
  sessionId: string;
  secret: string;
  /** Output payload bytes (stdout + stderr) the client has received so far. */
  offset: number;
}

/** The credential string `hello` hands out: `<session id>.<secret>`. */
export function formatResumeCredential(sessionId: string, secret: string): string {
  return `${sessionId}.${secret}`;
}

/** The subprotocol entry for a resume: `pod-shell.resume.<session id>.<secret>.<offset>`. */
export function resumeSubprotocol(credential: string, offset: number): string {
  return `${POD_SHELL_RESUME_PREFIX}${credential}.${offset}`;
}

/** Parses one offered subprotocol; null when it is not a well-formed resume entry. */
export function parseResumeSubprotocol(protocol: string): ResumeRequest | null {
  if (!protocol.startsWith(POD_SHELL_RESUME_PREFIX)) return null;
  const parts = protocol.slice(POD_SHELL_RESUME_PREFIX.length).split('.');
  if (parts.length !== 3) return null;
  const [sessionId, secret, offset] = parts as [string, string, string];
  if (!ID.test(sessionId) || !ID.test(secret) || !OFFSET.test(offset)) return null;
  const n = Number(offset);
  if (!Number.isSafeInteger(n)) return null;
  return { sessionId, secret, offset: n };
}
