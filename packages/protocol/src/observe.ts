/**
 * Observe (protocol v1, extension 2): a read-only watcher of a live session. The watcher's token is
 * signed by the session's tenant, like a session token, but names a session (`observe`) instead of a
 * target; the watcher offers `pod-shell.observe.v1`. docs/protocol.md "Observe (extension 2)".
 */

/** Offered (besides `pod-shell.v1` and the token) by a client that watches a session instead of opening one. */
export const POD_SHELL_OBSERVE = 'pod-shell.observe.v1';

/** The token claim that names the watched session id; a token with it never opens a shell. */
export const OBSERVE_CLAIM = 'observe';

/** broker → owner: how many observers watch the session; sent whenever the number changes. */
export interface ObserversMessage {
  type: 'observers';
  count: number;
}
