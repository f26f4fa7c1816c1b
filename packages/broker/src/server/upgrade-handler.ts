import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import { CloseCode, POD_SHELL_SUBPROTOCOL } from '@pod-shell/protocol';
import type { AuthorizedObserver, Authenticator } from '../auth/authorized-session.js';
import type { BrokerConfig } from '../config/config.js';
import type { AuthFailureLimiter } from '../auth/auth-failure-limiter.js';
import { AuthError, ErrorCode, PodShellError, toPodShellError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import type { CloseInfo } from '../session/closing.js';
import type { Observer } from '../session/observers.js';
import { closeInfoFor, type Session } from '../session/session.js';
import type { SessionManager } from '../session/session-manager.js';
import { openingSlot, upgradeThenStart, type OpeningSlot } from './async-upgrade.js';
import { guardResponse, isAborted, markDone, replyJson } from './http-reply.js';
import { verifyReplicaLink } from './replica-link-auth.js';
import type { ReplicaLink, ReplicaRelays } from './replica-relay.js';
import { startClientSocket } from './session-socket.js';
import { normalizeIp, readUpgradeRequest, type UpgradeRequest } from './upgrade-request.js';
import { arrayBufferToText } from './uws.js';

/** What a client socket carries from the upgrade to its handlers. */
export interface SocketData {
  /** The session that owns this socket; null when the socket only exists to be told why it is refused. */
  session: Session | null;
  /** Why the session could not start (quota, store, upstream refusal, drain): sent as `closing` at `open`. */
  failure: CloseInfo | null;
  /** Set by the close handler: the socket must not be touched afterwards. */
  closed: boolean;
  /** Where `open` leaves the socket for the upgrade to start it once `res.upgrade()` returned (async-upgrade.ts). */
  opening: OpeningSlot<SocketData>;
  /** Set when this socket resumes `session`: the output offset the client had received. */
  resumeFrom?: number;
  /** Set when this socket is relayed to the replica holding its session (resume through another replica). */
  relay?: ReplicaLink;
  /** Set when this socket watches `session` read-only (observer token); `observer` once it is attached. */
  observe?: { watcher: AuthorizedObserver; observer: Observer | null };
}

export interface UpgradeDeps {
  config: BrokerConfig;
  logger: Logger;
  metrics: BrokerMetrics;
  authenticator: Authenticator;
  /** Shared with the tenant admin API (broker.ts creates one per replica). */
  authFailures: AuthFailureLimiter;
  sessions: SessionManager;
  /** Resume through another replica (absent or disabled: such a resume is refused with 4410). */
  relays?: ReplicaRelays;
  isDraining(): boolean;
}

/**
 * The uWS upgrade flow, in this order:
 * 1. synchronously copy what is needed from `req` (token from the subprotocol or Authorization,
 *    origin, client IP, handshake headers) and register `onAborted`;
 * 2. refuse at once (HTTP, no socket) when draining (503) or when `pod-shell.v1` is not offered (400);
 * 3. authenticate (token + exact-match origin + target policy): an origin or policy failure is HTTP
 *    403; a token failure gets a bare socket that only carries `closing` + 4401 (browsers cannot
 *    read HTTP refusals). Either way an unauthenticated client never gets a session, a timer, a
 *    store entry or an upstream connection;
 * 4. create the Session, acquire the store entry and open the upstream exec (Session.connect);
 * 5. if the client went away meanwhile, dispose the session and stop; otherwise upgrade (uncorked: async-upgrade.ts),
 *    answering only `pod-shell.v1`, and start the socket once the upgrade returned (`hello`). A session that failed in step 4 still gets its socket, whose
 *    `open` sends the `closing` frame and the close code (4429, 4503, 4404, 4403, 4500…).
 * Upstream-first ordering means the client sees `hello` only for a relay that is ready.
 */
/**
 * Upgrades (never inside `res.cork()`), then starts the socket; see async-upgrade.ts for why.
 * When uWS opened no socket (the client was gone), the session this upgrade created is ended here:
 * no `close` handler will ever run for it, and without this it would keep its upstream exec and
 * store entry with no deadline armed.
 */
function upgradeAndStart(
  res: HttpResponse,
  data: SocketData,
  r: UpgradeRequest,
  context: us_socket_context_t,
  logger: Logger,
): void {
  upgradeThenStart(
    res,
    data,
    r.secWebSocketKey,
    POD_SHELL_SUBPROTOCOL,
    r.secWebSocketExtensions,
    context,
    (ws) => startClientSocket(ws, logger),
    // A resumed session stays in its grace period (its timer ends it); only a new one is ended here.
    // A relayed client that never opened drops its link: the owner's session waits in grace.
    () => {
      data.relay?.clientClosed(1006);
      // An observer that never opened leaves the session it wanted to watch alone.
      if (data.resumeFrom === undefined && data.observe === undefined) data.session?.dispose(CLIENT_GONE);
    },
  );
}

/**
 * What an anonymous client is told about a refused token: an invalid token gets one generic message,
 * so an unknown issuer, an unknown `kid`, a bad signature or a wrong audience look alike from outside
 * (the precise reason is in the `upgrade.refused` log line). Missing and expired tokens keep their
 * own messages: an integrator needs those, and they reveal nothing about the tenants.
 */
export const GENERIC_INVALID_TOKEN_MESSAGE =
  'The token was refused: it is malformed, not signed by a key the broker knows, or its claims are not valid for this broker. The broker log has the precise reason.';

function publicCloseInfo(err: PodShellError): CloseInfo {
  const info = closeInfoFor(err);
  return err.code === ErrorCode.TOKEN_INVALID ? { ...info, message: GENERIC_INVALID_TOKEN_MESSAGE } : info;
}

/** How a session ends whose client left before it could start. */
const CLIENT_GONE: CloseInfo = {
  code: 1006,
  reason: 'client_aborted',
  message: 'the client left before the session started',
};

export function createUpgradeHandler(deps: UpgradeDeps) {
  const { config, logger, metrics } = deps;

  const refuse = (res: HttpResponse, err: PodShellError, r?: UpgradeRequest): void => {
    metrics.authFailures.inc({ reason: err.reason });
    logger.info('upgrade.refused', {
      reason: err.reason,
      code: err.code,
      message: err.message,
      origin: r?.credentials.origin ?? null,
      clientIp: r?.credentials.clientIp ?? null,
    });
    replyJson(res, err.httpStatus, { error: err.code, reason: err.reason, message: publicCloseInfo(err).message });
  };

  /**
   * A browser cannot read an HTTP refusal (it only sees 1006), so a missing, invalid or expired
   * token gets a socket that carries nothing but `closing` + 4401 (docs/protocol.md allows this).
   * That socket has no session: no store entry, no upstream, no timer. Origin refusals stay HTTP
   * 403 before any socket exists (the cross-site WebSocket hijacking defence).
   */
  const refuseInBand = (
    res: HttpResponse,
    err: PodShellError,
    r: UpgradeRequest,
    context: us_socket_context_t,
  ): void => {
    metrics.authFailures.inc({ reason: err.reason });
    logger.info('upgrade.refused', {
      reason: err.reason,
      code: err.code,
      message: err.message,
      origin: r.credentials.origin ?? null,
      clientIp: r.credentials.clientIp ?? null,
      inBand: true,
    });
    const data: SocketData = { session: null, failure: publicCloseInfo(err), closed: false, opening: openingSlot() };
    markDone(res);
    upgradeAndStart(res, data, r, context, logger);
  };

  const { authFailures } = deps;

  /**
   * The replica links, when the session `sessionId` is not held here and this upgrade may be relayed to
   * the replica that holds it; null otherwise. A link itself is never relayed again (no loops): the
   * owner answers it, or refuses.
   */
  function relaysFor(sessionId: string, r: UpgradeRequest): ReplicaRelays | null {
    if (deps.sessions.get(sessionId) !== undefined || r.fromReplica !== null || deps.relays?.enabled !== true)
      return null;
    return deps.relays;
  }

  /** Pipes this client to the replica that `locate` names; the socket carries the relay, no session. */
  async function relayToOwner(
    res: HttpResponse,
    r: UpgradeRequest,
    context: us_socket_context_t,
    relays: ReplicaRelays,
    locate: () => Promise<string>,
  ): Promise<void> {
    const url = await locate();
    if (isAborted(res)) return;
    const relay = await relays.open(url, r);
    if (isAborted(res)) {
      relay.clientClosed(1006);
      return;
    }
    const data: SocketData = { session: null, failure: null, closed: false, opening: openingSlot(), relay };
    markDone(res);
    upgradeAndStart(res, data, r, context, logger);
  }

  async function proceed(
    res: HttpResponse,
    r: UpgradeRequest,
    context: us_socket_context_t,
    abort: { onAbort: (() => void) | null },
  ): Promise<void> {
    let session: Session;
    const ip = r.credentials.clientIp;
    const claimed = deps.authenticator.claimedTenant(r.credentials.token);
    // Over a failed-authentication cap: refused before any signature is checked (threat 15).
    const throttled = authFailures.throttled(ip, claimed);
    if (throttled !== null) {
      metrics.authThrottled.inc({ scope: throttled });
      refuseInBand(
        res,
        new AuthError(
          ErrorCode.AUTH_RATE_LIMITED,
          throttled === 'ip'
            ? 'Too many failed authentications from your address; try again in a minute.'
            : 'Too many failed authentications for this tenant; try again in a minute.',
        ),
        r,
        context,
      );
      return;
    }
    try {
      if (r.observe) {
        // A read-only watcher: an observer token, no shell of its own; the session must be live here.
        if (r.resume !== null || r.badResume || r.resumable)
          throw new PodShellError(ErrorCode.BAD_REQUEST, 'an observer cannot resume or be resumable');
        const watcher = await deps.authenticator.authenticateObserver(r.credentials);
        if (isAborted(res)) return;
        if (deps.isDraining())
          throw new PodShellError(ErrorCode.DRAINING, 'The broker is shutting down; reconnect to another replica.');
        // Held by another replica: relay the watcher to it.
        const relays = relaysFor(watcher.sessionId, r);
        if (relays !== null) {
          await relayToOwner(res, r, context, relays, () => relays.locateObserved(watcher));
          return;
        }
        const watched = deps.sessions.claimObserver(watcher);
        const data: SocketData = {
          session: watched,
          failure: null,
          closed: false,
          opening: openingSlot(),
          observe: { watcher, observer: null },
        };
        markDone(res);
        upgradeAndStart(res, data, r, context, logger);
        return;
      }
      const auth = await deps.authenticator.authenticate(r.credentials);
      if (isAborted(res)) return;
      if (deps.isDraining())
        throw new PodShellError(ErrorCode.DRAINING, 'The broker is shutting down; reconnect to another replica.');
      if (r.badResume)
        throw new PodShellError(
          ErrorCode.BAD_REQUEST,
          'malformed resume subprotocol: expected pod-shell.resume.<credential>.<offset>',
        );
      if (r.resume !== null) {
        // Held by another replica: relay to it over an authenticated replica link.
        const relays = relaysFor(r.resume.sessionId, r);
        if (relays !== null) {
          const { sessionId } = r.resume;
          await relayToOwner(res, r, context, relays, () => relays.locate(auth, sessionId));
          return;
        }
        session = await deps.sessions.claimResume(auth, r.resume);
        if (isAborted(res)) {
          // The rotated credential was never delivered: give the session back the one the client holds.
          await deps.sessions.abandonResume(session, auth, r.resume);
          return;
        }
        const data: SocketData = {
          session,
          failure: null,
          closed: false,
          opening: openingSlot(),
          resumeFrom: r.resume.offset,
        };
        markDone(res);
        upgradeAndStart(res, data, r, context, logger);
        return;
      }
      session = deps.sessions.create(auth, r.credentials.clientIp, { resumable: r.resumable });
    } catch (err) {
      if (isAborted(res)) return;
      const e = toPodShellError(err);
      // A refused resume or observe counts as a failed authentication: guessing is throttled like guessing tokens.
      const refusedClaim = e.code === ErrorCode.RESUME_REFUSED || e.code === ErrorCode.OBSERVE_REFUSED;
      if (e.closeCode === CloseCode.Unauthorized || refusedClaim) authFailures.failed(ip, claimed);
      if ((e.closeCode === CloseCode.Unauthorized || refusedClaim || r.resume !== null) && !deps.isDraining())
        refuseInBand(res, e, r, context);
      else refuse(res, e, r);
      return;
    }
    abort.onAbort = () => session.dispose(CLIENT_GONE);
    try {
      await session.connect();
    } catch (err) {
      session.dispose(closeInfoFor(err));
    }
    abort.onAbort = null;
    if (isAborted(res)) {
      session.dispose(CLIENT_GONE);
      return;
    }
    const data: SocketData = session.isDisposed
      ? {
          session: null,
          failure: session.closeInfo ?? { code: CloseCode.Upstream, reason: 'internal', message: 'internal error' },
          closed: false,
          opening: openingSlot(),
        }
      : { session, failure: null, closed: false, opening: openingSlot() };
    markDone(res);
    upgradeAndStart(res, data, r, context, logger);
  }

  return function upgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    try {
      const abort: { onAbort: (() => void) | null } = { onAbort: null };
      guardResponse(res, () => abort.onAbort?.());
      // Copy before any await: uWS reuses `req` once this callback returns.
      let r = readUpgradeRequest(
        (name) => req.getHeader(name),
        normalizeIp(arrayBufferToText(res.getRemoteAddressAsText())),
        config.trustProxy,
      );
      if (deps.isDraining()) {
        refuse(
          res,
          new PodShellError(ErrorCode.DRAINING, 'The broker is shutting down; reconnect to another replica.'),
          r,
        );
        return;
      }
      if (!r.offersProtocol) {
        refuse(
          res,
          new PodShellError(
            ErrorCode.BAD_REQUEST,
            `the client must offer the ${POD_SHELL_SUBPROTOCOL} WebSocket subprotocol`,
          ),
          r,
        );
        return;
      }
      if (r.replicaLink !== '') {
        // A replica link: only another replica holding REPLICA_LINK_SECRET may send one, and only for a
        // resume or an observer; then (and only then) the client address it forwards is the one used for limits and logs.
        const secret = config.replicaLinkSecret;
        const from =
          secret === undefined || (r.resume === null && !r.observe)
            ? null
            : verifyReplicaLink(secret, r.replicaLink, r.linkedClientIp, r.linkEntry);
        if (from === null) {
          refuse(
            res,
            new PodShellError(ErrorCode.REPLICA_LINK_FORBIDDEN, 'This replica link is not authenticated.'),
            r,
          );
          return;
        }
        r = { ...r, fromReplica: from, credentials: { ...r.credentials, clientIp: r.linkedClientIp } };
      }
      proceed(res, r, context, abort).catch((err: unknown) => {
        logger.error('upgrade.failed', { err });
        refuse(res, toPodShellError(err), r);
      });
    } catch (err) {
      logger.error('upgrade.failed', { err });
      refuse(res, toPodShellError(err));
    }
  };
}
