import type { WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import type { BrokerConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { closeFrameReason, closingFrame } from '../session/closing.js';
import type { ResourceGauges } from '../session/resource-gauges.js';
import { closeInfoFor } from '../session/session.js';
import type { SocketData } from './upgrade-handler.js';
import type { Uws } from './uws.js';
import { arrayBufferToText } from './uws.js';

/** uWS checks idle timeouts in 4-second steps and caps them at 960 s. */
function clientIdleTimeoutSeconds(keepaliveSeconds: number): number {
  return Math.min(960, Math.max(8, Math.ceil((keepaliveSeconds * 2) / 4) * 4));
}

/**
 * The hard cap uWS enforces on one inbound message. uWS drops a larger one by closing the TCP
 * connection (the client sees 1006, no reason); up to this cap the session itself checks
 * MAX_INBOUND_FRAME_BYTES and answers `closing` + 1009, which clients can show. A message under the
 * cap is buffered whole by uWS before the check, so this is also the transient inbound memory bound.
 */
export function inboundHardCapBytes(maxInboundFrameBytes: number): number {
  return Math.max(maxInboundFrameBytes + 1, 4 * 1024 * 1024);
}

function onHandlerError(logger: Logger, ws: WebSocket<SocketData>, data: SocketData, err: unknown): void {
  logger.error('socket.handler_failed', { err });
  // An observer's failure ends the observer only, never the session it watches.
  if (data.session !== null && data.observe === undefined) {
    data.session.fail(err);
  } else if (!data.closed) {
    try {
      ws.end(4500, 'internal');
    } catch (endErr) {
      logger.error('socket.end_failed', { err: endErr });
    }
  }
}

/** The gauge a socket counts in from its `open` to its `close`. */
function socketGauge(data: SocketData): 'replicaLinks' | 'observers' | 'clientSockets' {
  if (data.relay !== undefined) return 'replicaLinks';
  return data.observe !== undefined ? 'observers' : 'clientSockets';
}

/**
 * Starts a client socket once `res.upgrade()` has returned (see async-upgrade.ts: `open` itself
 * must not do this work). A session gets the socket and sends `hello` (corked with any queued
 * upstream frames); a socket without a session gets `closing` and its close code.
 */
export function startClientSocket(ws: WebSocket<SocketData>, logger: Logger): void {
  const data = ws.getUserData();
  try {
    ws.cork(() => {
      if (data.relay !== undefined) {
        data.relay.attach(ws);
      } else if (data.observe !== undefined && data.session !== null) {
        data.observe.observer = data.session.attachObserver(ws, data.observe.watcher);
      } else if (data.session !== null) {
        data.session.attachClient(ws, {
          resumeFrom: data.resumeFrom ?? null,
          // A later resume that takes the session over unhooks this socket: its close and messages then reach no session.
          detach: () => {
            data.session = null;
          },
        });
      } else {
        const info = data.failure ?? closeInfoFor(new Error('no session'));
        ws.send(closingFrame(info), true);
        if (!data.closed) ws.end(info.code, closeFrameReason(info));
      }
    });
  } catch (err) {
    onHandlerError(logger, ws, data, err);
  }
}

/**
 * The uWS WebSocket behaviour of the session endpoint. Each handler is wrapped: an exception is
 * logged and ends the session (4500), never reaching native code. After `close` ran, the socket is
 * marked and nothing touches it again. Limits: `maxBackpressure` = BACKPRESSURE_LIMIT_BYTES with
 * `closeOnBackpressureLimit` as the last-resort cap (the relay pauses the upstream long before), and
 * automatic pings within `idleTimeout` keep the client hop alive.
 * `maxPayloadLength` is the hard cap above; frames over MAX_INBOUND_FRAME_BYTES close with 1009.
 */
export function sessionSocketBehavior(
  uws: Uws,
  config: BrokerConfig,
  logger: Logger,
  gauges: ResourceGauges,
  upgrade: WebSocketBehavior<SocketData>['upgrade'],
): WebSocketBehavior<SocketData> {
  return {
    compression: uws.DISABLED,
    maxPayloadLength: inboundHardCapBytes(config.maxInboundFrameBytes),
    maxBackpressure: config.backpressureLimitBytes,
    closeOnBackpressureLimit: true,
    idleTimeout: clientIdleTimeoutSeconds(config.keepaliveSeconds),
    sendPingsAutomatically: true,
    upgrade,
    // Only records the socket: the upgrade starts it once `res.upgrade()` returned (async-upgrade.ts).
    open: (ws) => {
      const data = ws.getUserData();
      try {
        // A relayed client belongs to no session here: it is counted as a replica link, not a client socket;
        // an observer is counted as an observer (a session has one client socket and any number of observers).
        gauges.inc(socketGauge(data));
        data.opening.ws = ws;
      } catch (err) {
        onHandlerError(logger, ws, data, err);
      }
    },
    message: (ws, message, isBinary) => {
      const data = ws.getUserData();
      try {
        if (data.relay !== undefined) data.relay.fromClient(message, isBinary);
        else if (data.observe !== undefined) data.observe.observer?.refuse();
        else data.session?.onClientMessage(message, isBinary);
      } catch (err) {
        onHandlerError(logger, ws, data, err);
      }
    },
    drain: (ws) => {
      const data = ws.getUserData();
      try {
        if (data.relay !== undefined) data.relay.drain();
        else if (data.observe === undefined) data.session?.onClientDrain();
      } catch (err) {
        onHandlerError(logger, ws, data, err);
      }
    },
    close: (ws, code, message) => {
      const data = ws.getUserData();
      if (data.closed) return;
      data.closed = true;
      try {
        logger.debug('socket.closed', { code, message: arrayBufferToText(message), session: data.session?.id ?? null });
        gauges.dec(socketGauge(data));
        data.relay?.clientClosed(code);
        if (data.observe !== undefined) data.observe.observer?.socketGone();
        else data.session?.onClientClosed(code, arrayBufferToText(message));
      } catch (err) {
        logger.error('socket.close_failed', { err });
      }
    },
  };
}
