import WebSocket from 'ws';
import { CloseCode, POD_SHELL_BEARER_PREFIX, POD_SHELL_OBSERVE, POD_SHELL_SUBPROTOCOL } from '@pod-shell/protocol';
import type { AuthorizedObserver, AuthorizedSession } from '../auth/authorized-session.js';
import type { BrokerConfig } from '../config/config.js';
import { ErrorCode, PodShellError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import { closeFrameReason, closingFrame, type CloseInfo } from '../session/closing.js';
import type { ClientSocket } from '../session/session-context.js';
import type { SessionStore } from '../store/session-store.js';
import { REPLICA_CLIENT_IP_HEADER, REPLICA_LINK_HEADER, signReplicaLink } from './replica-link-auth.js';
import type { UpgradeRequest } from './upgrade-request.js';

/** What a client is told when the replica holding its session is gone (killed, crashed, partitioned). */
const OWNER_GONE: CloseInfo = {
  code: CloseCode.ResumeRefused,
  reason: 'resume_refused',
  message: 'The broker replica holding this session is gone; the session has ended. Start a new session.',
};

/** Close codes a WebSocket close frame may carry (1005 and 1006 are never sent). */
function sendable(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/**
 * One relayed connection on the replica a resume reached (it does not hold the session): the
 * client's socket (uWS) on one side, an authenticated replica link (a WebSocket client) to the
 * replica holding the session on the other. Frames go through unchanged in both directions — the
 * owner's session does all the protocol, flow control and policy; this only pipes. Backpressure:
 * the link stops reading when the client's buffer is above the high watermark, and reads again on
 * the client's `drain` below half. Closes travel both ways: a client that drops (1006) drops the
 * link (the owner's session then waits in grace for the next resume), a chosen close is forwarded;
 * an owner that closes is forwarded as is, and an owner that vanishes is told as 4410.
 */
export class ReplicaLink {
  private client: ClientSocket | null = null;
  private clientDone = false;
  private readonly queued: Array<{ data: Buffer; isBinary: boolean }> = [];
  private ownerEnd: CloseInfo | { code: number; reason: string; raw: true } | null = null;
  private paused = false;

  constructor(
    private readonly owner: WebSocket,
    private readonly highWatermarkBytes: number,
    private readonly onEnded: (link: ReplicaLink) => void,
  ) {
    owner.on('message', (data: Buffer, isBinary: boolean) => this.fromOwner(data, isBinary));
    owner.on('close', (code: number, reason: Buffer) => this.ownerClosed(code, reason.toString('utf8')));
    owner.on('error', () => {
      // A close always follows; the error itself says nothing the client can use.
    });
  }

  /** The client's socket is open (uWS): deliver what the owner sent meanwhile. */
  attach(ws: ClientSocket): void {
    if (this.clientDone) return;
    this.client = ws;
    for (const { data, isBinary } of this.queued.splice(0)) ws.send(data, isBinary);
    this.checkBackpressure();
    if (this.ownerEnd !== null) this.endClient();
  }

  /** A client frame (uWS: valid only during the call, so it is copied). */
  fromClient(message: ArrayBuffer, isBinary: boolean): void {
    if (this.owner.readyState !== WebSocket.OPEN) return;
    this.owner.send(Buffer.from(new Uint8Array(message)), { binary: isBinary });
  }

  /** uWS `drain` of the client socket. */
  drain(): void {
    if (this.paused && this.client !== null && this.client.getBufferedAmount() <= this.highWatermarkBytes / 2) {
      this.paused = false;
      this.owner.resume();
    }
  }

  /** The client's uWS `close` ran (or it never opened: 1006): from here on it is never touched. */
  clientClosed(code: number): void {
    if (this.clientDone) return;
    this.clientDone = true;
    this.client = null;
    if (this.owner.readyState === WebSocket.OPEN || this.owner.readyState === WebSocket.CONNECTING) {
      // A drop stays a drop (the owner keeps the session for a resume); a chosen close is passed on.
      if (code === 1006) this.owner.terminate();
      else if (sendable(code)) this.owner.close(code);
      else this.owner.close();
    }
    this.onEnded(this);
  }

  /**
   * Ends the relayed connection from this side (drain): the owner sees a drop (its session waits in
   * grace) and the client a 1001 "going away", which a resuming client answers by resuming again,
   * through another replica.
   */
  shutdown(): void {
    this.ownerEnd ??= { code: 1001, reason: 'replica draining', raw: true };
    this.owner.terminate();
    if (this.client !== null) this.endClient();
  }

  private fromOwner(data: Buffer, isBinary: boolean): void {
    if (this.clientDone) return;
    if (this.client === null) {
      this.queued.push({ data, isBinary });
      return;
    }
    this.client.send(data, isBinary);
    this.checkBackpressure();
  }

  private checkBackpressure(): void {
    if (!this.paused && this.client !== null && this.client.getBufferedAmount() > this.highWatermarkBytes) {
      this.paused = true;
      this.owner.pause();
    }
  }

  private ownerClosed(code: number, reason: string): void {
    // A close frame from the owner is its session's own close (it sent `closing` first); none means it vanished.
    this.ownerEnd ??= code === 1006 || code === 1005 ? OWNER_GONE : { code, reason, raw: true };
    if (this.client !== null) this.endClient();
    else if (this.clientDone) return;
  }

  private endClient(): void {
    const client = this.client;
    const end = this.ownerEnd!;
    if (client === null || this.clientDone) return;
    this.client = null;
    client.cork(() => {
      if ('raw' in end) client.end(sendable(end.code) ? end.code : CloseCode.Upstream, end.reason.slice(0, 120));
      else {
        client.send(closingFrame(end), true);
        client.end(end.code, closeFrameReason(end));
      }
    });
  }
}

/**
 * Resume through any replica: finds the replica holding a session (the session store) and opens an
 * authenticated replica link to it (REPLICA_LINK_SECRET, HMAC, replica-link-auth.ts). Knows every
 * relayed connection of this replica so drain can end them.
 */
export class ReplicaRelays {
  private readonly links = new Set<ReplicaLink>();

  constructor(
    private readonly deps: { config: BrokerConfig; store: SessionStore; logger: Logger; metrics: BrokerMetrics },
  ) {}

  /** Replica links are configured (a shared secret) and the store can say where replicas are. */
  get enabled(): boolean {
    return this.deps.config.replicaLinkSecret !== undefined && this.deps.store.replicaUrl !== undefined;
  }

  get size(): number {
    return this.links.size;
  }

  /**
   * The link URL of the replica holding `sessionId` for this token's tenant and subject. Throws
   * RESUME_REFUSED (one message for every cause) when the session is unknown, belongs to someone
   * else, or its replica is gone.
   */
  async locate(auth: AuthorizedSession, sessionId: string): Promise<string> {
    const { store, config, logger } = this.deps;
    const record = await store.get(sessionId);
    const refuse = (cause: string, message?: string): never => {
      this.deps.metrics.resumes.inc({ outcome: 'refused' });
      logger.info('session.resume_refused', { session: sessionId, tenant: auth.tenant.name, cause });
      throw new PodShellError(
        ErrorCode.RESUME_REFUSED,
        message ??
          'The session cannot be resumed: it has ended, or this resume credential is not valid. Start a new session.',
      );
    };
    if (record === null || record.tenant !== auth.tenant.name || record.subject !== auth.subject)
      return refuse('not_found');
    if (record.replica === config.replicaId) return refuse('not_here');
    const url = await store.replicaUrl!(record.replica);
    if (url === null) return refuse('replica_gone', OWNER_GONE.message);
    return url;
  }

  /**
   * The link URL of the replica holding the session an observer token names. Throws OBSERVE_REFUSED
   * (one message for every cause) when the session is unknown, of another tenant, its tenant does not
   * allow observers, or its replica is gone.
   */
  async locateObserved(watcher: AuthorizedObserver): Promise<string> {
    const { store, config, logger } = this.deps;
    const record = await store.get(watcher.sessionId);
    const refuse = (cause: string): never => {
      logger.info('session.observe_refused', { session: watcher.sessionId, tenant: watcher.tenant.name, cause });
      throw new PodShellError(
        ErrorCode.OBSERVE_REFUSED,
        'This session cannot be watched: it has ended, or watching it is not allowed.',
      );
    };
    if (watcher.tenant.observers !== true) return refuse('tenant_disallows');
    if (record === null || record.tenant !== watcher.tenant.name) return refuse('not_found');
    if (record.replica === config.replicaId) return refuse('not_here');
    const url = await store.replicaUrl!(record.replica);
    if (url === null) return refuse('replica_gone');
    return url;
  }

  /** Opens the replica link for this resume or observer; resolves once the owner accepted the WebSocket upgrade. */
  open(url: string, r: UpgradeRequest): Promise<ReplicaLink> {
    const { config } = this.deps;
    const clientIp = r.credentials.clientIp;
    const owner = new WebSocket(
      url + config.sessionPath,
      [
        POD_SHELL_SUBPROTOCOL,
        POD_SHELL_BEARER_PREFIX + (r.credentials.token ?? ''),
        r.observe ? POD_SHELL_OBSERVE : r.resumeEntry,
      ],
      {
        headers: {
          [REPLICA_LINK_HEADER]: signReplicaLink(config.replicaLinkSecret!, config.replicaId, clientIp, r.linkEntry),
          [REPLICA_CLIENT_IP_HEADER]: clientIp,
        },
        ...(r.credentials.origin !== null ? { origin: r.credentials.origin } : {}),
        perMessageDeflate: false,
        handshakeTimeout: config.upgradeTimeoutMs,
        maxPayload: 8 * 1024 * 1024,
      },
    );
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        owner.removeAllListeners();
        owner.on('error', () => {});
        owner.terminate();
        this.deps.logger.warn('relay.link_failed', { url, why });
        reject(
          r.observe
            ? new PodShellError(ErrorCode.OBSERVE_REFUSED, 'The broker replica holding this session cannot be reached.')
            : new PodShellError(ErrorCode.RESUME_REFUSED, OWNER_GONE.message),
        );
      };
      owner.once('open', () => {
        owner.removeAllListeners();
        const link = new ReplicaLink(owner, config.backpressureHighBytes, (l) => this.links.delete(l));
        this.links.add(link);
        resolve(link);
      });
      owner.once('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode ?? 0}`));
      owner.once('error', (err) => fail(err.message));
    });
  }

  /** Drain: every relayed client is told 1001 going away (it resumes through another replica). */
  closeAll(): number {
    const all = [...this.links];
    for (const l of all) l.shutdown();
    return all.length;
  }
}
