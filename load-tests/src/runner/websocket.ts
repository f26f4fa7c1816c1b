import WebSocket from 'ws';
import { registry } from './metrics.js';
import { UnsupportedApiError } from './unsupported.js';
import { bindToVu, owningVu, type Vu } from './vu.js';

type Listener = (event: Record<string, unknown>) => void;
const EVENTS = ['open', 'close', 'error', 'message', 'ping', 'pong'] as const;

/**
 * k6/websockets' WebSocket on top of `ws`. As in k6: the `protocols` argument is ignored (k6 reserves
 * it), headers come from `params.headers` (a `Sec-WebSocket-Protocol` header is offered as the
 * subprotocol list), events are `on<name>` properties or addEventListener, binary data arrives as an
 * ArrayBuffer when `binaryType = 'arraybuffer'`, and the VU's iteration lasts until the socket closed.
 * Built-in metrics: ws_sessions, ws_connecting, ws_msgs_sent, ws_msgs_received, ws_session_duration.
 */
export class K6WebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  readonly url: string;
  binaryType: 'blob' | 'arraybuffer' = 'blob';
  onopen: Listener | null = null;
  onclose: Listener | null = null;
  onerror: Listener | null = null;
  onmessage: Listener | null = null;
  onping: Listener | null = null;
  onpong: Listener | null = null;

  private readonly socket: WebSocket;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly vu: Vu | undefined;
  private readonly startedAt = Date.now();
  private closedEmitted = false;

  constructor(
    url: string,
    protocols?: unknown,
    params?: { headers?: Record<string, string>; [k: string]: unknown } | null,
  ) {
    void protocols; // k6: "reserved for future use and presently ignored"
    for (const key of Object.keys(params ?? {}))
      if (key !== 'headers') throw new UnsupportedApiError(`k6/websockets Params.${key}`);
    const vu = owningVu();
    if (!vu) throw new Error('k6/websockets: a WebSocket can only be opened inside a VU (not in the init context)');
    this.vu = vu;
    this.url = url;
    const headers: Record<string, string> = {};
    let offered: string[] = [];
    for (const [k, v] of Object.entries(params?.headers ?? {})) {
      if (k.toLowerCase() === 'sec-websocket-protocol')
        offered = String(v)
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
      else headers[k] = String(v);
    }
    this.socket = new WebSocket(url, offered, { headers, perMessageDeflate: false });
    this.socket.binaryType = 'arraybuffer';
    this.vu.hold(this, () => this.drop());
    const dispatch = bindToVu((type: string, event: Record<string, unknown>) => this.dispatch(type, event));
    this.socket.on('open', () => {
      registry.get('ws_sessions', 'counter').add(1);
      registry.get('ws_connecting', 'trend', true).add(Date.now() - this.startedAt);
      dispatch('open', { type: 'open' });
    });
    this.socket.on('message', (data: ArrayBuffer | Buffer, isBinary: boolean) => {
      registry.get('ws_msgs_received', 'counter').add(1);
      if (!isBinary) {
        dispatch('message', {
          type: 'message',
          data: Buffer.from(data as ArrayBuffer).toString('utf8'),
          timestamp: Date.now(),
        });
        return;
      }
      if (this.binaryType !== 'arraybuffer')
        throw new UnsupportedApiError('k6/websockets binaryType "blob" (set ws.binaryType = "arraybuffer")');
      dispatch('message', { type: 'message', data, timestamp: Date.now() });
    });
    this.socket.on('ping', () => dispatch('ping', { type: 'ping' }));
    this.socket.on('pong', () => dispatch('pong', { type: 'pong' }));
    this.socket.on('error', (err: Error) =>
      dispatch('error', { type: 'error', error: err.message, timestamp: Date.now() }),
    );
    this.socket.on('close', (code: number, reason: Buffer) => {
      if (this.closedEmitted) return;
      this.closedEmitted = true;
      registry.get('ws_session_duration', 'trend', true).add(Date.now() - this.startedAt);
      try {
        dispatch('close', { type: 'close', code, reason: reason.toString(), timestamp: Date.now() });
      } finally {
        this.vu?.release(this);
      }
    });
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    registry.get('ws_msgs_sent', 'counter').add(1);
    // The script runs in its own realm: test with ArrayBuffer.isView, not instanceof.
    if (typeof data === 'string') this.socket.send(data);
    else if (ArrayBuffer.isView(data)) this.socket.send(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    else this.socket.send(new Uint8Array(data));
  }

  ping(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.ping();
  }

  close(code?: number, reason?: string): void {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    if (this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.terminate();
      return;
    }
    this.socket.close(code ?? 1000, reason);
  }

  /**
   * Not in k6: ends the TCP connection without a close frame (a crashed client). Scripts reach it only
   * through lib/pod-shell.js dropConnection(), which falls back to close() under the real k6.
   */
  drop(): void {
    this.socket.terminate();
  }

  addEventListener(type: string, listener: Listener): void {
    if (!(EVENTS as readonly string[]).includes(type)) throw new Error(`k6/websockets: unknown event "${type}"`);
    const list = this.listeners.get(type) ?? [];
    list.push(listener);
    this.listeners.set(type, list);
  }

  private dispatch(type: string, event: Record<string, unknown>): void {
    const prop = (this as unknown as Record<string, Listener | null>)[`on${type}`];
    if (typeof prop === 'function') prop.call(this, event);
    for (const l of this.listeners.get(type) ?? []) l.call(this, event);
  }
}
