import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  Channel,
  decodeFrame,
  encodeControl,
  encodeFrame,
  POD_SHELL_SUBPROTOCOL,
  type ServerControlMessage,
} from '@pod-shell/protocol';
import { hostPage, readBundle } from './static-files.js';

/** One frame the element sent, decoded. */
export interface ReceivedFrame {
  channel: number;
  payload: Buffer;
  text: string;
}

/**
 * One browser connection to the fake broker. It records every frame in order, so tests can prove
 * ordering rules (the first frame is a resize) that the real broker would hide.
 */
export class FakeConnection {
  readonly frames: ReceivedFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    readonly socket: WebSocket,
    readonly protocols: string[],
    readonly origin: string | undefined,
  ) {
    socket.on('message', (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data));
      if (frame)
        this.frames.push({
          channel: frame.channel,
          payload: Buffer.from(frame.payload),
          text: Buffer.from(frame.payload).toString('utf8'),
        });
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  sendData(bytes: Uint8Array | string, channel: number = Channel.Stdout): void {
    this.socket.send(encodeFrame(channel, bytes));
  }

  sendControl(message: ServerControlMessage): void {
    this.socket.send(encodeControl(message));
  }

  hello(expiresAt = Date.now() + 3600_000): void {
    this.sendControl({
      type: 'hello',
      session: 's-test',
      expiresAt,
      idleTimeoutMs: 0,
      target: { namespace: 'default', pod: 'demo', container: 'shell' },
    });
  }

  /** Sends a `closing` frame then closes, as the broker does. */
  closeWith(code: number, reason: string, message: string): void {
    this.sendControl({ type: 'closing', code, reason, message });
    this.socket.close(code, reason);
  }

  /** Resolves once `predicate` holds (checked after every frame or close), failing after `ms`. */
  async until<T>(predicate: () => T | undefined | false, what: string, ms = 5000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = predicate();
      if (value !== undefined && value !== false) return value;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `fake broker: timed out waiting for ${what}; frames: ${JSON.stringify(this.frames.map((f) => [f.channel, f.text.slice(0, 80)]))}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  controls(): Record<string, unknown>[] {
    return this.frames
      .filter((f) => f.channel === Channel.Control)
      .map((f) => JSON.parse(f.text) as Record<string, unknown>);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

export interface FakeBroker {
  /** `http://127.0.0.1:port` — pages are served here, the socket is `/v1/session` on it. */
  origin: string;
  /** Sets the HTML body the next page load gets. */
  setBody(body: string): void;
  nextConnection(ms?: number): Promise<FakeConnection>;
  connections: FakeConnection[];
  close(): Promise<void>;
}

/**
 * A stand-in broker for element-level tests: serves a host page and the bundle, accepts the
 * pod-shell subprotocol, and lets the test script the broker's side frame by frame.
 */
export async function startFakeBroker(): Promise<FakeBroker> {
  const bundle = await readBundle();
  let body = '';
  const connections: FakeConnection[] = [];
  const waiting: ((c: FakeConnection) => void)[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url === '/pod-shell.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    } else if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostPage(body));
    } else {
      res.writeHead(404).end();
    }
  });
  const wss = new WebSocketServer({
    server,
    path: '/v1/session',
    handleProtocols: (protocols) => (protocols.has(POD_SHELL_SUBPROTOCOL) ? POD_SHELL_SUBPROTOCOL : false),
  });
  wss.on('connection', (socket, req) => {
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const conn = new FakeConnection(socket, protocols, req.headers.origin);
    connections.push(conn);
    const w = waiting.shift();
    if (w) w(conn);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let taken = 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    connections,
    setBody: (b) => {
      body = b;
    },
    nextConnection: (ms = 5000) => {
      const index = taken++;
      if (connections[index]) return Promise.resolve(connections[index]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('fake broker: no connection arrived')), ms);
        waiting.push((c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
