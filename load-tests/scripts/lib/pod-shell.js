// pod-shell wire protocol for k6 scripts (docs/protocol.md). Plain k6 JavaScript: no Node APIs, no
// TextEncoder (k6 has none), nothing but ArrayBuffers and the k6 modules. The constants mirror
// packages/protocol (k6 cannot import npm packages); load-tests/src/test/script-lib.test.ts fails
// when they drift.
import { WebSocket } from 'k6/websockets';

export const POD_SHELL_SUBPROTOCOL = 'pod-shell.v1';
export const DEFAULT_SESSION_PATH = '/v1/session';
export const Channel = { Stdin: 0, Stdout: 1, Stderr: 2, Status: 3, Resize: 4, Close: 255, Control: 0xf0 };
export const CloseCode = { Exited: 1000, Expired: 4408 };

/** An integer from __ENV[name], or `fallback` when unset; a bad value stops the script at init. */
export function envInt(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** A required __ENV value, with the reason it is needed in the error. */
export function envRequired(name, what) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') throw new Error(`-e ${name}=… is required: ${what}`);
  return raw;
}

/** The session URL: BROKER as given when it has a path, else BROKER + /v1/session. */
export function sessionUrl(broker) {
  const withoutSlash = broker.replace(/\/+$/, '');
  return /^wss?:\/\/[^/]+$/.test(withoutSlash) ? withoutSlash + DEFAULT_SESSION_PATH : withoutSlash;
}

/** Tokens, one per line (pod-shell-broker token … --count N --out FILE). Init context only (k6 `open`). */
export function readTokens(path, need) {
  const tokens = open(path)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (tokens.length < need)
    throw new Error(
      `${path} holds ${tokens.length} tokens, the run needs ${need}: mint them with pod-shell-broker token … --count ${need}`,
    );
  return tokens;
}

/** UTF-8 bytes of a string (k6 has no TextEncoder). */
export function utf8(text) {
  const out = [];
  for (const ch of text) {
    let c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** A string from UTF-8 bytes (k6 has no TextDecoder); a malformed sequence becomes U+FFFD. */
export function text(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const extra = b < 0x80 ? 0 : b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : -1;
    if (extra === 0) {
      s += String.fromCharCode(b);
      i += 1;
      continue;
    }
    if (extra < 0 || i + extra >= bytes.length) {
      s += '\ufffd';
      i += 1;
      continue;
    }
    let c = b & (0x3f >> extra);
    for (let k = 1; k <= extra; k++) c = (c << 6) | (bytes[i + k] & 0x3f);
    s += String.fromCodePoint(c);
    i += extra + 1;
  }
  return s;
}

/** One frame: the channel byte, then the payload (a byte array). */
export function frame(channel, payload) {
  const buf = new Uint8Array(1 + payload.length);
  buf[0] = channel;
  buf.set(payload, 1);
  return buf.buffer;
}

export const stdinFrame = (s) => frame(Channel.Stdin, utf8(s));
export const resizeFrame = (cols, rows) => frame(Channel.Resize, utf8(JSON.stringify({ Width: cols, Height: rows })));
export const controlFrame = (msg) => frame(Channel.Control, utf8(JSON.stringify(msg)));

/**
 * Opens one session and dispatches its frames. Handlers (all optional): hello(msg), output(bytes: Uint8Array),
 * control(msg) for every control message, closing(msg) for the broker's `closing`, close() when the
 * socket is closed. Returns the k6 WebSocket. k6/websockets ignores its `protocols` argument, so the
 * subprotocol and the token travel as headers (docs/protocol.md allows `Authorization: Bearer` for
 * non-browser clients).
 */
export function openSession(url, token, handlers) {
  const headers = { 'Sec-WebSocket-Protocol': POD_SHELL_SUBPROTOCOL, Authorization: `Bearer ${token}` };
  // -e ORIGIN=https://app.example.com for tenants that do not set allowMissingOrigin.
  if (__ENV.ORIGIN) headers.Origin = __ENV.ORIGIN;
  const ws = new WebSocket(url, null, { headers });
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (event) => {
    if (typeof event.data === 'string') return;
    const bytes = new Uint8Array(/** @type {ArrayBuffer} */ (event.data));
    if (bytes.length < 2) return;
    const channel = bytes[0];
    if (channel === Channel.Stdout || channel === Channel.Stderr) {
      if (handlers.output) handlers.output(bytes.subarray(1));
    } else if (channel === Channel.Control) {
      const msg = JSON.parse(text(bytes.subarray(1)));
      if (msg.type === 'hello' && handlers.hello) handlers.hello(msg);
      if (msg.type === 'closing' && handlers.closing) handlers.closing(msg);
      if (handlers.control) handlers.control(msg);
    }
  };
  ws.onclose = () => {
    if (handlers.close) handlers.close();
  };
  ws.onerror = (e) => {
    if (handlers.error) handlers.error(e && e.error);
  };
  return ws;
}

/**
 * Ends a session without a close frame, as a crashed browser or a dead network does. k6 has no API
 * for that: the pod-shell runner's WebSocket adds drop() (load-tests/README.md, "Differences from k6");
 * under the real k6 this falls back to close(), so every session ends with a close frame there.
 */
export function dropConnection(ws) {
  if (typeof ws.drop === 'function') ws.drop();
  else ws.close();
}

/** Metric values from a Prometheus text exposition, by sample name (labels folded into the name). */
export function parsePrometheus(body) {
  const values = {};
  for (const line of body.split('\n')) {
    if (line === '' || line[0] === '#') continue;
    const sp = line.lastIndexOf(' ');
    values[line.slice(0, sp)] = Number(line.slice(sp + 1));
  }
  return values;
}
