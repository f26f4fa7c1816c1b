// Reusable exec benchmarks over a Kubernetes-style exec WebSocket (kube-sim directly, or a broker
// that speaks the same channel framing). Plain ESM so it runs without a build step of its own.
import { WebSocket } from 'ws';

/**
 * Opens an exec WebSocket and counts channel-1/2 payload bytes until the server closes.
 * Returns { bytes, seconds, mbPerSecond, status, closeCode }. Time runs from the 101 to the close.
 */
export function measureThroughput({ url, protocols = ['v5.channel.k8s.io'], wsOptions = {}, frameChannelOffset = 0 }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { ...wsOptions, maxPayload: 256 * 1024 * 1024 });
    let bytes = 0;
    let frames = 0;
    let status = '';
    let t0 = 0;
    ws.on('open', () => {
      t0 = performance.now();
    });
    ws.on('message', (data) => {
      const ch = data[frameChannelOffset];
      if (ch === 1 || ch === 2) {
        bytes += data.length - 1 - frameChannelOffset;
        frames++;
      } else if (ch === 3) status += data.subarray(1 + frameChannelOffset).toString();
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('close', (closeCode) => {
      const seconds = (performance.now() - t0) / 1000;
      resolve({ bytes, frames, seconds, mbPerSecond: bytes / 1e6 / seconds, status, closeCode });
    });
  });
}

/**
 * Round-trip latency of a 1-byte stdin frame echoed back on stdout (light-mode containers echo;
 * a `cat` in a real process works too). Returns percentiles in milliseconds.
 */
export async function measureEchoLatency({
  url,
  protocols = ['v5.channel.k8s.io'],
  wsOptions = {},
  rounds = 2000,
  warmup = 100,
}) {
  const ws = new WebSocket(url, protocols, wsOptions);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
  });
  let waiting = null;
  ws.on('message', (data) => {
    if (data[0] === 1 && data.length > 1 && waiting) {
      const w = waiting;
      waiting = null;
      w();
    }
  });
  const samples = [];
  for (let i = 0; i < rounds + warmup; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      waiting = resolve;
      ws.send(Buffer.from([0, 0x61]));
    });
    if (i >= warmup) samples.push(performance.now() - t0);
  }
  ws.send(Buffer.from([0xff, 0]));
  await new Promise((resolve) => ws.once('close', resolve));
  samples.sort((a, b) => a - b);
  const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  return { rounds, p50: pct(50), p90: pct(90), p99: pct(99), max: samples.at(-1) };
}

/** kubectl's query layout: `command` repeated, booleans only when true. */
export function execQuery({ command, container, stdin, stdout, stderr, tty }) {
  const q = new URLSearchParams();
  for (const c of command) q.append('command', c);
  if (container) q.set('container', container);
  for (const [k, v] of Object.entries({ stdin, stdout, stderr, tty })) if (v) q.set(k, 'true');
  return q.toString();
}
