// The smallest honest relay, as a yardstick for the broker's CPU per relayed byte (relay-floor.mjs):
// a client WebSocket in (handshake by hand), ONE TLS connection out to the apiserver's exec endpoint
// (WebSocket upgrade by hand, v5.channel.k8s.io), and every upstream frame forwarded to the client as
// a binary frame with the same payload, byte for byte (channel byte included, as the broker does):
// the frame header is parsed, a new one written, and the payload slices of the TLS chunks passed on
// as they arrive — never copied, never decoded. Backpressure: the upstream pauses while the client's
// socket buffer is full. No authentication, no timers, no metrics, no session store, no limits.
// Runs as a child process: `node floor-relay.mjs '<sim json>'`; sends {port} when listening.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { PerformanceObserver } from 'node:perf_hooks';

const sim = JSON.parse(process.argv[2]);
// An experiment, off by default: `process.argv[3]` MB of live JS objects (small, linked, like a real
// program's heap) held for the process's life, so the yardstick's garbage collections mark a heap as
// large as the broker's and the two can be compared with the heap size taken out.
const ballastMb = Number(process.argv[3] ?? 0);
const ballast = [];
for (let i = 0; i < (ballastMb * 1048576) / 80; i++) ballast.push({ i, next: ballast[i - 1] ?? null, s: `b${i}` });
const { hostname, port } = new URL(sim.url);
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A server→client frame header (first byte = FIN + opcode, unmasked) for a payload of `len` bytes. */
function header(first, len) {
  if (len < 126) return Buffer.from([first, len]);
  if (len < 65536) {
    const h = Buffer.alloc(4);
    h[0] = first;
    h[1] = 126;
    h.writeUInt16BE(len, 2);
    return h;
  }
  const h = Buffer.alloc(10);
  h[0] = first;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(len), 2);
  return h;
}

/** Reads an HTTP head ending in CRLFCRLF off `socket`, then hands the rest of the bytes to `next`. */
function readHead(socket, next) {
  let buf = Buffer.alloc(0);
  const onData = (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    socket.off('data', onData);
    next(buf.subarray(0, end).toString('latin1'), buf.subarray(end + 4));
  };
  socket.on('data', onData);
}

function relay(client, query) {
  const up = tls.connect({
    host: hostname,
    port: Number(port),
    ca: sim.caCert,
    servername: hostname === '127.0.0.1' ? undefined : hostname,
  });
  up.setNoDelay(true);
  up.write(
    `GET /api/v1/namespaces/default/pods/demo/exec?${query} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
      `Authorization: Bearer ${sim.adminToken}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`,
  );
  // Frame parser state: payload bytes of the current frame still to pass on, whether they are
  // forwarded (data frames) or dropped (control frames), and a header split across two chunks.
  let remaining = 0;
  let forward = false;
  let closing = false;
  let partial = null;
  const onFrames = (chunk) => {
    let off = 0;
    while (off < chunk.length) {
      if (remaining > 0) {
        const n = Math.min(remaining, chunk.length - off);
        if (forward) client.write(chunk.subarray(off, off + n));
        remaining -= n;
        off += n;
        if (remaining === 0 && closing) return finish();
        continue;
      }
      const h = partial === null ? chunk.subarray(off) : Buffer.concat([partial, chunk.subarray(off)]);
      const need = h.length < 2 ? 2 : (h[1] & 0x7f) === 126 ? 4 : (h[1] & 0x7f) === 127 ? 10 : 2;
      if (h.length < need) {
        partial = Buffer.from(h);
        return;
      }
      off += need - (partial?.length ?? 0);
      partial = null;
      const op = h[0] & 0x0f;
      const len = need === 2 ? h[1] & 0x7f : need === 4 ? h.readUInt16BE(2) : Number(h.readBigUInt64BE(2));
      closing = op === 8;
      forward = op <= 2; // continuation, text, binary: same FIN + opcode, same payload
      if (forward) client.write(header(h[0], len));
      remaining = len;
      if (len === 0 && closing) return finish();
    }
  };
  const finish = () => {
    client.end(Buffer.concat([header(0x88, 2), Buffer.from([0x03, 0xe8])]));
    up.destroy();
  };
  readHead(up, (head, rest) => {
    if (!head.startsWith('HTTP/1.1 101')) {
      client.destroy();
      up.destroy();
      return;
    }
    up.on('data', onFrames);
    if (rest.length > 0) onFrames(rest);
  });
  up.on('data', () => {
    if (client.writableLength > 1 << 20) up.pause();
  });
  client.on('drain', () => up.resume());
  client.on('close', () => up.destroy());
  up.on('error', () => client.destroy());
}

const server = net.createServer((client) => {
  client.setNoDelay(true);
  client.on('error', () => {});
  readHead(client, (head) => {
    const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1];
    const query = /^GET \/\?(\S*) HTTP/.exec(head)?.[1];
    if (!key || query === undefined) return client.destroy();
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    client.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    relay(client, query);
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
// Its garbage collections by kind, for relay-floor.mjs to set next to the broker's (asked with 'gcs').
const gcs = { minor: 0, major: 0, incremental: 0, weakcb: 0 };
const GC_KIND = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = GC_KIND[e.detail?.kind];
    if (kind) gcs[kind]++;
  }
}).observe({ entryTypes: ['gc'] });
process.on('message', (m) => {
  if (m === 'close') process.exit(0);
  if (m === 'gcs') process.send({ gcs });
});
