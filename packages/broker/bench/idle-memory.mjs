#!/usr/bin/env node
// Where a broker's idle-session memory goes: opens N idle sessions through the real broker CLI to a
// kube-sim light pod and reports the broker's process.memoryUsage() deltas per session (rss, heapUsed,
// external, arrayBuffers) plus, with --snapshot, a heap-snapshot diff by constructor (self size).
// Usage (after `npm run build`): node packages/broker/bench/idle-memory.mjs [--idle 1000] [--snapshot] [--env K=V ...]
import { WebSocket } from 'ws';
import { stringify } from 'yaml';
import { mintToken } from '../dist/auth/token-mint.js';
import { parseTenants } from '../dist/tenants/tenants-file.js';
import { envArgs, hasFlag, numberArg, startSimChild } from './bench-support.mjs';
import { spawnBroker } from '../dist/test/broker-process.js';
import { tenantDoc, TEST_ORIGIN, ADMIN_TOKEN } from '../dist/test/harness.js';

const extraEnv = envArgs('--env');

const idle = numberArg('--idle', 1000);
const snapshot = hasFlag('--snapshot');
const sim = await startSimChild();
const doc = tenantDoc({ endOrphanedShells: false, limits: { maxConcurrentSessions: idle + 100 } });
const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'bench.yaml', baseDir: '/' })[0];
const broker = await spawnBroker(sim, { KEEPALIVE_SECONDS: '60', ...extraEnv }, [doc]);
const admin = async (path) => {
  const res = await fetch(`http://127.0.0.1:${broker.adminPort}${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return res.text();
};
const memory = async () => JSON.parse(await admin('/debug/resources')).memory;
// A heap snapshot's nodes summed by constructor/type name: self size and count.
const summarize = (text) => {
  const snap = JSON.parse(text);
  const {
    node_fields: fields,
    node_types: [types],
  } = snap.snapshot.meta;
  const n = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += n) {
    const type = types[snap.nodes[i + iType]];
    const name = snap.strings[snap.nodes[i + iName]];
    const key =
      type === 'object' || type === 'native'
        ? name
        : type === 'closure'
          ? `(closure) ${name || '(anonymous)'}`
          : `(${type})`;
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += snap.nodes[i + iSize];
    e.count += 1;
    out.set(key, e);
  }
  // Closures also by where their code is (script id:line:col, 0-based), to find who creates them per session.
  const locs = snap.snapshot.meta.location_fields ? snap.locations : [];
  for (let j = 0; j < locs.length; j += 4) {
    const i = locs[j];
    if (types[snap.nodes[i + iType]] !== 'closure') continue;
    const key = `(at) ${snap.strings[snap.nodes[i + iName]] || '(anonymous)'} ${locs[j + 1]}:${locs[j + 2] + 1}:${locs[j + 3] + 1}`;
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += snap.nodes[i + iSize];
    e.count += 1;
    out.set(key, e);
  }
  return out;
};
const settle = () => new Promise((r) => setTimeout(r, 2000));
const openIdle = async (count) => {
  const sockets = [];
  for (let i = 0; i < count; i += 50) {
    sockets.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, () => {
          const t = mintToken({
            tenant,
            sub: 'bench',
            target: { namespace: 'default', pod: 'echo-0' },
            ttlSeconds: 3600,
          });
          return new Promise((resolve, reject) => {
            const ws = new WebSocket(
              `ws://127.0.0.1:${broker.port}/v1/session`,
              ['pod-shell.v1', `pod-shell.bearer.${t}`],
              { origin: TEST_ORIGIN },
            );
            ws.once('message', () => resolve(ws));
            ws.once('error', reject);
          });
        }),
      )),
    );
  }
  return sockets;
};
// Warm-up (as broker-relay.mjs's earlier phases do): code compiled and pools grown once, not per session.
const warm = await openIdle(100);
await Promise.all(warm.map((ws) => new Promise((resolve) => (ws.once('close', resolve), ws.close()))));
await settle();
const snap0 = snapshot ? summarize(await admin('/debug/heapsnapshot')) : null;
await settle();
const before = await memory();
const sockets = await openIdle(idle);
await settle();
const after = await memory();
const live = JSON.parse(await admin('/debug/resources'));
const snap1 = snapshot ? summarize(await admin('/debug/heapsnapshot')) : null;
for (const ws of sockets) ws.close();
await broker.stop();
await sim.close();

const perSession = Object.fromEntries(
  Object.keys(after).map((k) => [k, Number(((after[k] - before[k]) / idle / 1024).toFixed(2))]),
);
const result = {
  sessions: idle,
  env: extraEnv,
  kbPerSession: perSession,
  activeResources: live.activeResources?.byType,
};
if (snap0 !== null && snap1 !== null) {
  const rows = [...snap1].map(([k, v]) => {
    const b = snap0.get(k) ?? { size: 0, count: 0 };
    return {
      name: k,
      bytesPerSession: Math.round((v.size - b.size) / idle),
      countPerSession: Number(((v.count - b.count) / idle).toFixed(2)),
    };
  });
  rows.sort((a, b) => b.bytesPerSession - a.bytesPerSession);
  result.heapDiffTop = rows.filter((r) => Math.abs(r.bytesPerSession) >= 40);
}
console.log(JSON.stringify(result, null, 1));
