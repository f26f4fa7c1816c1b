import { WebSocket, type ClientOptions } from 'ws';

/** One frame as received: the channel byte and the payload. */
export interface ReceivedFrame {
  channel: number;
  payload: Buffer;
  text: boolean;
}

/**
 * A raw `ws` exec client for tests: records every frame, and offers awaitable conditions so tests
 * wait for events instead of sleeping.
 */
export class RawExecClient {
  readonly ws: WebSocket;
  readonly frames: ReceivedFrame[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<() => void> = [];

  constructor(url: string, protocols: string[] = ['v5.channel.k8s.io'], options: ClientOptions = {}) {
    this.ws = new WebSocket(url, protocols, options);
    this.ws.binaryType = 'nodebuffer';
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#notify();
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.frames.push({ channel: data[0] ?? -1, payload: data.subarray(1), text: !isBinary });
      this.#notify();
    });
  }

  #notify(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Resolves once `predicate` holds (checked on every frame and on close), or rejects after `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; stdout so far: ${JSON.stringify(this.stdout())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  payloadOf(channel: number): Buffer {
    return Buffer.concat(this.frames.filter((f) => f.channel === channel).map((f) => f.payload));
  }

  stdout(): string {
    return this.payloadOf(1).toString('utf8');
  }

  stderr(): string {
    return this.payloadOf(2).toString('utf8');
  }

  /** The channel-3 payloads (there must be at most one). */
  statuses(): string[] {
    return this.frames.filter((f) => f.channel === 3 && f.payload.length > 0).map((f) => f.payload.toString('utf8'));
  }

  send(channel: number, payload: Buffer | string = Buffer.alloc(0)): void {
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    this.ws.send(Buffer.concat([Buffer.of(channel), body]));
  }

  sendRaw(bytes: number[] | Buffer): void {
    this.ws.send(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  /** Waits for the close and returns its code, with the status and output. */
  async result(timeoutMs = 15_000): Promise<{ code: number; stdout: string; stderr: string; statuses: string[] }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`exec did not close; stdout so far: ${JSON.stringify(this.stdout())}`)),
        timeoutMs,
      );
    });
    try {
      const { code } = await Promise.race([this.closed, timeout]);
      return { code, stdout: this.stdout(), stderr: this.stderr(), statuses: this.statuses() };
    } finally {
      clearTimeout(timer);
    }
  }
}
