import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { connect, type TLSSocket } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { startApiServer, type ExecBackend, type KubeSim, type KubeSimOptions } from '../http/api-server.js';
import type { ExecRequest } from '../exec/exec-request.js';
import type { K8sStatus } from '@pod-shell/protocol';

/** Test helpers for the HTTP side: an HTTPS client trusting the simulator's CA and a recording exec stub. */

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): Record<string, unknown>;
}

export interface RequestOptions {
  method?: string;
  token?: string | null;
  headers?: Record<string, string | string[]>;
  /** Request body (sent as is; set Content-Type in headers). */
  body?: string;
}

/** One HTTPS request to the simulator (fresh connection, CA pinned, SNI/hostname check on). */
export function call(
  sim: Pick<KubeSim, 'url' | 'caCert' | 'adminToken'>,
  path: string,
  o: RequestOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string | string[]> = { ...(o.headers ?? {}) };
  const token = o.token === undefined ? sim.adminToken : o.token;
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, sim.url),
      { method: o.method ?? 'GET', ca: sim.caCert, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/**
 * Sends a raw HTTP/1.1 upgrade request over TLS and returns the server's response head and body as
 * text (up to the connection close, or the end of the 101 head).
 */
export function rawUpgrade(
  sim: Pick<KubeSim, 'url' | 'caCert'>,
  path: string,
  headers: string[],
  method = 'GET',
): Promise<string> {
  const u = new URL(sim.url);
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect(
      { host: u.hostname, port: Number(u.port), ca: sim.caCert, servername: 'localhost' },
      () => {
        socket.write([`${method} ${path} HTTP/1.1`, `Host: ${u.host}`, ...headers, '', ''].join('\r\n'));
      },
    );
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      if (text.startsWith('HTTP/1.1 101') && text.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

export const WS_HEADERS = [
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
];

/** Splits a raw response into status code, head, headers (lowercased names) and body (everything after the head). */
export function parseRaw(text: string): {
  status: number;
  head: string;
  headers: Record<string, string>;
  body: string;
} {
  const i = text.indexOf('\r\n\r\n');
  const head = i < 0 ? text : text.slice(0, i);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0),
    head,
    headers,
    body: i < 0 ? '' : text.slice(i + 4),
  };
}

export interface HandOff {
  kind: 'upgrade' | 'request';
  exec: ExecRequest;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
}

/** An exec backend that records what the HTTP side hands over and answers 299 / a fake 101-less close. */
export class RecordingExec implements ExecBackend {
  readonly handed: HandOff[] = [];

  handleUpgrade(req: IncomingMessage, socket: Duplex, _head: Buffer, exec: ExecRequest): void {
    this.handed.push({ kind: 'upgrade', exec, headers: { ...req.headers }, rawHeaders: [...req.rawHeaders] });
    socket.end('HTTP/1.1 418 Handed Off\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  }

  handleRequest(req: IncomingMessage, res: ServerResponse, exec: ExecRequest): void {
    this.handed.push({ kind: 'request', exec, headers: { ...req.headers }, rawHeaders: [...req.rawHeaders] });
    res.writeHead(418, { 'Content-Length': '0' });
    res.end();
  }

  openStreams(): number {
    return 0;
  }

  processes(): [] {
    return [];
  }

  async close(): Promise<void> {}
}

/** The simulator with the recording exec stub in place of the real ExecServer. */
export async function startWithRecorder(options: KubeSimOptions = {}): Promise<{ sim: KubeSim; exec: RecordingExec }> {
  const exec = new RecordingExec();
  const sim = await startApiServer(options, () => exec);
  return { sim, exec };
}

/** Parses a Status body (HTTP error body or exec channel-3 payload) as the typed shape the apiserver sends. */
export function parseStatus(text: string): K8sStatus {
  return JSON.parse(text) as K8sStatus;
}
