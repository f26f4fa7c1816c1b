import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import {
  Channel,
  encodeCloseFrame,
  encodeControl,
  encodeFrame,
  parseServerControl,
  POD_SHELL_BEARER_PREFIX,
  POD_SHELL_OBSERVE,
  POD_SHELL_RESUMABLE,
  POD_SHELL_SUBPROTOCOL,
  resumeSubprotocol,
  type ServerControlMessage,
} from '@pod-shell/protocol';

/**
 * A small pod-shell client for tests, speaking docs/protocol.md: offers `pod-shell.v1` plus the
 * token subprotocol (or an Authorization header), collects stdout bytes, control frames, the status
 * frame and the close, and lets a test await any of them (event-driven, with a deadline).
 */
export interface ConnectOptions {
  token?: string;
  origin?: string;
  /** Send the token in `Authorization: Bearer` instead of the subprotocol. */
  authorizationHeader?: boolean;
  /** Replace the offered subprotocols entirely. */
  protocols?: string[];
  /** Default 10 s. */
  timeoutMs?: number;
  /** Extra handshake headers (e.g. X-Forwarded-For behind TRUST_PROXY). */
  headers?: Record<string, string>;
  /** Offer `pod-shell.resumable.v1`: the session survives a drop and `hello` carries a resume credential. */
  resumable?: boolean;
  /** Resume a session: the credential from its last `hello` and the output offset received. */
  resume?: { credential: string; offset: number };
  /** Offer `pod-shell.observe.v1`: watch the session an observer token names, read-only. */
  observe?: boolean;
}

export interface CloseEvent {
  code: number;
  reason: string;
}

export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with HTTP ${status}: ${body}`);
  }
}

type Waiter = { check: () => boolean; resolve: () => void };

export class TestClient {
  readonly stdoutChunks: Buffer[] = [];
  readonly frames: Buffer[] = [];
  readonly controls: ServerControlMessage[] = [];
  status: string | null = null;
  closeEvent: CloseEvent | null = null;
  /** The socket error, if any (e.g. an invalid frame from the server). */
  error: Error | null = null;
  /** The order in which frames and the close arrived: 'stdout' | 'status' | control type | 'close'. */
  readonly sequence: string[] = [];
  private waiters: Waiter[] = [];
  private stdoutLength = 0;
  /** When set, every stdout/stderr frame is acknowledged as it arrives (see `autoAck`). */
  private acking = false;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.frames.push(data);
      if (!isBinary || data.byteLength === 0) return this.notify();
      const ch = data[0];
      if (ch === Channel.Stdout || ch === Channel.Stderr) {
        this.stdoutChunks.push(data.subarray(1));
        this.stdoutLength += data.byteLength - 1;
        this.sequence.push('stdout');
        if (this.acking) this.ack(data.byteLength - 1);
      } else if (ch === Channel.Status) {
        this.status = data.subarray(1).toString('utf8');
        this.sequence.push('status');
      } else if (ch === Channel.Control) {
        const msg = parseServerControl(data.subarray(1));
        this.controls.push(msg);
        this.sequence.push(msg.type);
      }
      this.notify();
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.closeEvent = { code, reason: reason.toString('utf8') };
      this.sequence.push('close');
      this.notify();
    });
    socket.on('error', (err) => {
      this.error = err;
      this.notify();
    });
  }

  /** Opens a session; rejects with UpgradeRefused (status + body) when the broker answers without a 101. */
  static connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
    const protocols = options.protocols ?? [
      POD_SHELL_SUBPROTOCOL,
      ...(options.token !== undefined && !options.authorizationHeader ? [POD_SHELL_BEARER_PREFIX + options.token] : []),
      ...(options.resumable === true ? [POD_SHELL_RESUMABLE] : []),
      ...(options.resume !== undefined ? [resumeSubprotocol(options.resume.credential, options.resume.offset)] : []),
      ...(options.observe === true ? [POD_SHELL_OBSERVE] : []),
    ];
    const headers: Record<string, string> = { ...options.headers };
    if (options.authorizationHeader && options.token !== undefined)
      headers['authorization'] = `Bearer ${options.token}`;
    const socket = new WebSocket(url, protocols, {
      headers,
      ...(options.origin !== undefined ? { origin: options.origin } : {}),
      handshakeTimeout: options.timeoutMs ?? 10_000,
      perMessageDeflate: false,
    });
    const client = new TestClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req: unknown, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          reject(new UpgradeRefused(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
          socket.terminate();
        });
      });
      socket.once('error', (err) => reject(err));
    });
  }

  get stdout(): Buffer {
    return Buffer.concat(this.stdoutChunks);
  }

  get text(): string {
    return this.stdout.toString('utf8');
  }

  /** The last `n` bytes of stdout as text, without joining everything (cheap to call on every frame). */
  tail(n = 256): string {
    const parts: Buffer[] = [];
    let size = 0;
    for (let i = this.stdoutChunks.length - 1; i >= 0 && size < n; i--) {
      parts.unshift(this.stdoutChunks[i]!);
      size += this.stdoutChunks[i]!.byteLength;
    }
    const joined = Buffer.concat(parts);
    return joined.subarray(Math.max(0, joined.byteLength - n)).toString('utf8');
  }

  get stdoutBytes(): number {
    return this.stdoutLength;
  }

  control<T extends ServerControlMessage['type']>(type: T): Extract<ServerControlMessage, { type: T }> | undefined {
    return this.controls.find((c) => c.type === type) as Extract<ServerControlMessage, { type: T }> | undefined;
  }

  /** Resolves when `check` holds (re-checked on every frame and on close); rejects after the deadline. */
  waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; stdout so far: ${JSON.stringify(this.text.slice(-300))}; controls: ${JSON.stringify(this.controls)}; close: ${JSON.stringify(this.closeEvent)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  waitForText(pattern: RegExp | string, timeoutMs?: number): Promise<void> {
    const test = (): boolean => (typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text));
    return this.waitUntil(test, `stdout matching ${String(pattern)}`, timeoutMs);
  }

  async waitForControl<T extends ServerControlMessage['type']>(
    type: T,
    timeoutMs?: number,
  ): Promise<Extract<ServerControlMessage, { type: T }>> {
    await this.waitUntil(() => this.control(type) !== undefined, `a ${type} control frame`, timeoutMs);
    return this.control(type)!;
  }

  async waitForClose(timeoutMs?: number): Promise<CloseEvent> {
    await this.waitUntil(() => this.closeEvent !== null, 'the close', timeoutMs);
    return this.closeEvent!;
  }

  private notify(): void {
    const ready = this.waiters.filter((w) => w.check());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  send(bytes: Uint8Array): void {
    this.socket.send(bytes, { binary: true });
  }

  stdin(text: string | Uint8Array): void {
    this.send(encodeFrame(Channel.Stdin, text));
  }

  resize(cols: number, rows: number): void {
    this.send(encodeFrame(Channel.Resize, JSON.stringify({ Width: cols, Height: rows })));
  }

  flow(paused: boolean): void {
    this.send(encodeControl({ type: 'flow', paused }));
  }

  /** Acknowledges `bytes` of output (the first ack opts the session into the broker's window). */
  ack(bytes: number): void {
    this.send(encodeControl({ type: 'ack', bytes }));
  }

  /** From now on, acknowledges each output frame as it arrives (a terminal that keeps up). */
  autoAck(on = true): void {
    this.acking = on;
  }

  refresh(token: string): void {
    this.send(encodeControl({ type: 'refresh', token }));
  }

  closeStdin(): void {
    this.send(encodeCloseFrame());
  }

  close(code = 1000): Promise<CloseEvent> {
    if (this.closeEvent === null) this.socket.close(code);
    return this.waitForClose();
  }

  /** Drops the TCP connection without a close frame (a vanished browser). */
  destroy(): void {
    this.socket.terminate();
  }
}
