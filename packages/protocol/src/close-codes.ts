/**
 * WebSocket close codes the broker uses toward its clients (docs/protocol.md). Every close is
 * preceded by a `closing` control frame carrying the same code, a short reason and a human message.
 */
export const CloseCode = {
  /** The command exited; the status frame carries the exit code. */
  Exited: 1000,
  /** The client sent a frame larger than the inbound limit (standard code). */
  MessageTooBig: 1009,
  /** Malformed frame or request. */
  BadRequest: 4400,
  /** Token missing, invalid or expired. */
  Unauthorized: 4401,
  /** Token valid, but the target is not allowed for this tenant (or Kubernetes RBAC refused). */
  Forbidden: 4403,
  /** Pod or container not found. */
  NotFound: 4404,
  /** Session reached its expiry or idle limit. */
  Expired: 4408,
  /** Session terminated by an operator or revoked. */
  Terminated: 4409,
  /** A resume was refused: the session ended (or its replica died), or the credential is not valid. */
  ResumeRefused: 4410,
  /** The session was resumed from another connection (this one was superseded). */
  TakenOver: 4411,
  /** An observer was refused: the session is not live here, or the tenant does not allow observers. */
  ObserveRefused: 4412,
  /** Tenant session quota or connect rate exceeded. */
  TooMany: 4429,
  /** The client kept sending `refresh` frames over the per-session limit (REFRESH_PER_MINUTE). */
  TooManyRefreshes: 4430,
  /** Upstream (Kubernetes API) error. */
  Upstream: 4500,
  /** Broker draining for shutdown, or the session store is unreachable. */
  Unavailable: 4503,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** The message the element shows for each close code when the broker gave none. */
export const CLOSE_CODE_MESSAGES: Readonly<Record<number, string>> = {
  1000: 'The command exited.',
  1006: 'The connection to the broker was lost.',
  1009: 'A message to the broker was too large.',
  4400: 'The broker rejected a malformed message.',
  4401: 'Your access token is missing, invalid or expired.',
  4403: 'You are not allowed to open a shell in this container.',
  4404: 'The pod or container was not found.',
  4408: 'The session reached its time limit.',
  4409: 'The session was terminated by an operator.',
  4410: 'The session cannot be resumed: it has ended.',
  4411: 'The session was resumed from another window or device.',
  4412: 'This session cannot be watched: it has ended, or watching is not allowed.',
  4429: 'Too many sessions: the quota or connection rate was exceeded.',
  4430: 'The terminal sent too many token refreshes and was disconnected.',
  4500: 'The Kubernetes API reported an error.',
  4503: 'The terminal service is unavailable (restarting or degraded). Try again shortly.',
};
