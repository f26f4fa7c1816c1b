import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Faults } from '../faults.js';
import type { ClusterStore } from '../fixtures/store.js';
import { ProcessLauncher } from '../process/spawn-exec-process.js';
import { ProcessTable } from '../process/process-table.js';
import type { ProcessInfo } from '../stats.js';
import type { ExecRequest } from './exec-request.js';
import { faultsFor } from './fault-scope.js';
import { containerIsRunning, ExecSession } from './exec-session.js';
import { SimKubelet } from './sim-kubelet.js';
import { checkWebSocketHandshake, negotiate, offeredSubprotocols, type Negotiated } from './handshake.js';
import { writeRawResponse, writeRawStatus } from '../http/raw-response.js';
import { sendStatus } from '../http/respond.js';
import { badRequest, statusErrorForCode } from '../http/status-error.js';

/** Largest inbound message, as golang.org/x/net/websocket's DefaultMaxPayloadBytes. */
export const MAX_INBOUND_PAYLOAD = 32 * 1024 * 1024;

export const SPDY_NOT_SUPPORTED =
  'kube-sim does not support SPDY streaming; use a client that speaks WebSocket exec (v5.channel.k8s.io), such as kubectl 1.30+';

export interface ExecServerOptions {
  /** The current fault set (read at every decision, so run-time changes apply). */
  faults: () => Faults;
  /** Counts a request under `"<METHOD> /api/v1/namespaces/{ns}/pods/{name}/<exec|attach> <protocol>"`. */
  countRequest: (key: string) => void;
  /** Per-container working directories live under `<workRoot>/<ns>/<pod>/<container>`. */
  workRoot: string;
  /** The cluster, for the simulated kubelet that runs ephemeral containers (none without it). */
  store?: ClusterStore;
}

/**
 * The exec/attach streaming endpoint, after the HTTP side authenticated, authorized and validated
 * the request. It answers the handshake the way the apiserver (v5) or the kubelet (v4 and older)
 * would, then runs an ExecSession per upgraded stream.
 */
export class ExecServer {
  readonly #options: ExecServerOptions;
  readonly #wss: WebSocketServer;
  readonly #table = new ProcessTable();
  readonly #launcher: ProcessLauncher;
  readonly #negotiated = new WeakMap<IncomingMessage, Negotiated>();
  readonly #sockets = new Set<WebSocket>();
  readonly #pendingSockets = new Set<Duplex>();
  readonly #kubelet: SimKubelet | undefined;
  #closed = false;

  constructor(options: ExecServerOptions) {
    this.#options = options;
    this.#launcher = new ProcessLauncher(options.workRoot);
    if (options.store !== undefined)
      this.#kubelet = new SimKubelet(options.store, this.#launcher, this.#table, options.faults);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_INBOUND_PAYLOAD,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (_offered, req) => this.#negotiated.get(req)?.subprotocol ?? false,
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, exec: ExecRequest): void {
    socket.on('error', () => {
      // A reset during the handshake is the client's business; never crash the simulator.
    });
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#pendingSockets.add(socket);
    socket.once('close', () => this.#pendingSockets.delete(socket));
    const faults = faultsFor(this.#options.faults(), exec.pod.name);
    const delay = faults.upgradeDelayMs ?? 0;
    if (delay > 0) {
      const timer = setTimeout(() => this.#upgrade(req, socket, head, exec), delay);
      socket.once('close', () => clearTimeout(timer));
    } else {
      this.#upgrade(req, socket, head, exec);
    }
  }

  handleRequest(req: IncomingMessage, res: ServerResponse, exec: ExecRequest): void {
    this.#count(req, exec, 'http');
    sendStatus(res, badRequest('Upgrade request required'));
  }

  openStreams(): number {
    return this.#sockets.size;
  }

  processes(): ProcessInfo[] {
    return this.#table.list();
  }

  /** Kills every process (surviving TTY shells too) and ends every stream. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#kubelet?.close();
    const killed = this.#table.killAll();
    for (const s of this.#pendingSockets) s.destroy();
    for (const ws of this.#sockets) ws.terminate();
    await killed;
    this.#wss.close();
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, exec: ExecRequest): void {
    if (socket.destroyed) return;
    if (this.#closed) return void socket.destroy();
    // Read the fault set again: it may have changed during the delay.
    const refuse = faultsFor(this.#options.faults(), exec.pod.name).refuseUpgrade;
    if (refuse) {
      this.#count(req, exec, 'websocket');
      const message = refuse.message ?? `kube-sim refused the upgrade (fault refuseUpgrade ${refuse.status})`;
      return writeRawStatus(socket, statusErrorForCode(refuse.status, message), refuse.trailingBytes);
    }
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade.startsWith('spdy/')) {
      // kubectl's fallback (≤1.29, or after a failed WebSocket attempt): a Status so it prints `Error from server (BadRequest): …`.
      this.#count(req, exec, 'spdy');
      return writeRawStatus(socket, badRequest(SPDY_NOT_SUPPORTED));
    }
    const rejection = checkWebSocketHandshake(req);
    if (rejection) {
      this.#count(req, exec, 'websocket');
      return writeRawResponse(socket, rejection.code, {}, rejection.body);
    }
    const negotiated = negotiate(
      offeredSubprotocols(req),
      faultsFor(this.#options.faults(), exec.pod.name).maxExecProtocol ?? 'v5',
    );
    if (!negotiated) {
      this.#count(req, exec, 'websocket');
      return writeRawResponse(socket, 403, {}, '');
    }
    const protocolKey = negotiated.subprotocol ?? 'websocket';
    if (negotiated.protocol !== 'v5' && !containerIsRunning(exec)) {
      // Legacy clients are proxied to the kubelet, which answers before any upgrade.
      this.#count(req, exec, protocolKey);
      return writeRawResponse(
        socket,
        500,
        { 'Content-Type': 'text/plain; charset=utf-8' },
        `container not found ("${exec.container.name}")`,
      );
    }
    this.#negotiated.set(req, negotiated);
    this.#count(req, exec, protocolKey);
    this.#pendingSockets.delete(socket);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.#closed) return void ws.terminate();
      this.#sockets.add(ws);
      const session = new ExecSession(ws, exec, negotiated.protocol, {
        launcher: this.#launcher,
        table: this.#table,
        faults: () => faultsFor(this.#options.faults(), exec.pod.name),
        attach: (e) => this.#kubelet?.attach(e.pod.namespace, e.pod.name, e.container.name, e.stdin),
        onClosed: () => this.#sockets.delete(ws),
      });
      session.start();
    });
  }

  #count(req: IncomingMessage, exec: ExecRequest, protocol: string): void {
    this.#options.countRequest(
      `${req.method ?? 'GET'} /api/v1/namespaces/{ns}/pods/{name}/${exec.subresource} ${protocol}`,
    );
  }
}
