#!/usr/bin/env node
// Refresh-flood benchmark (issue 8 item 2): N sessions measure their echo round trip through the
// broker, first on a quiet broker, then while one authenticated session floods it with `refresh`
// frames carrying a bad RS256 signature as fast as its socket takes them (reconnecting whenever the
// broker closes it with 4430; at most two connects a second, the default per-IP connect rate), then
// quiet and flooded once more: one run, so the figures come from
// the same machine state.
// Usage (after `npm run build`): node packages/broker/bench/refresh-flood.mjs [--sessions N] [--rounds N] [--broker-env K=V ...]
// Processes: kube-sim in one child, the real `pod-shell-broker` CLI in another, the clients here.
import { fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { stringify } from 'yaml';
import { mintToken } from '../dist/auth/token-mint.js';
import { parseTenants } from '../dist/tenants/tenants-file.js';
import { spawnBroker } from '../dist/test/broker-process.js';
import { tenantDoc, TEST_ORIGIN, ADMIN_TOKEN } from '../dist/test/harness.js';
import { envArgs, numberArg, startSimChild, machineInfo } from './bench-support.mjs';

if (process.argv[2] === '--flooder') await flooder(...process.argv.slice(3));

/** The flooding child: runs until the parent sends 'stop', then reports its counts and exits. */
async function flooder(url, forged, good) {
  const frame = Buffer.concat([Buffer.from([0xf0]), Buffer.from(JSON.stringify({ type: 'refresh', token: forged }))]);
  const stats = { connections: 0, framesSent: 0, closeCodes: {} };
  let stopped = false;
  process.on('message', () => (stopped = true));
  while (!stopped) {
    // Reconnects at most twice a second: the broker's default IP_CONNECTS_PER_MINUTE (120) allows no more.
    const pace = new Promise((r) => setTimeout(r, 500));
    await new Promise((resolve) => {
      const ws = new WebSocket(url, ['pod-shell.v1', `pod-shell.bearer.${good}`], {
        origin: TEST_ORIGIN,
        perMessageDeflate: false,
      });
      stats.connections++;
      let open = false;
      // Sends as fast as the socket takes it (kept under 1 MiB buffered), until the broker closes it.
      const pump = () => {
        if (!open || stopped) return ws.close();
        for (let i = 0; i < 200 && ws.bufferedAmount < 1 << 20; i++) {
          ws.send(frame);
          stats.framesSent++;
        }
        setImmediate(pump);
      };
      ws.once('message', () => {
        open = true;
        if (stats.connections === 1) process.send('flooding');
        pump();
      });
      ws.once('close', (code) => {
        open = false;
        stats.closeCodes[code] = (stats.closeCodes[code] ?? 0) + 1;
        resolve();
      });
      ws.once('error', (err) => console.error(`flooder: ${err.message}`));
    });
    await pace;
  }
  process.send(stats, () => process.exit(0));
  await new Promise(() => undefined);
}

const sessions = numberArg('--sessions', 8);
const rounds = numberArg('--rounds', 400);
const brokerEnv = envArgs('--broker-env');
const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const doc = tenantDoc({ keys: [{ kid: 'rs-1', alg: 'RS256', publicKey, privateKey }], endOrphanedShells: false });
const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'bench.yaml', baseDir: '/' })[0];
const sim = await startSimChild();
const broker = await spawnBroker(sim, { KEEPALIVE_SECONDS: '60', ...brokerEnv }, [doc]);
const url = `ws://127.0.0.1:${broker.port}/v1/session`;
const token = (sub) => mintToken({ tenant, sub, target: { namespace: 'default', pod: 'echo-0' }, ttlSeconds: 3600 });
const target = (sub) => ({
  url,
  protocols: ['pod-shell.v1', `pod-shell.bearer.${token(sub)}`],
  wsOptions: { origin: TEST_ORIGIN },
});

/** Round trips of 1-byte stdin echoes on one session, after a warm-up. */
async function echoSamples(t) {
  const ws = new WebSocket(t.url, t.protocols, { ...t.wsOptions, perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('message', resolve); // hello
    ws.once('error', reject);
  });
  let waiting = null;
  ws.on('message', (data) => {
    if (data[0] === 1 && waiting) (waiting(), (waiting = null));
  });
  const samples = [];
  for (let i = 0; i < rounds + 50; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      waiting = resolve;
      ws.send(Buffer.from([0, 0x61]));
    });
    if (i >= 50) samples.push(performance.now() - t0);
  }
  ws.close();
  return samples;
}

/** Echo round trips of `sessions` sessions at once, pooled: p50 and p95 over every sample. */
async function echoAll(label) {
  const all = (await Promise.all(Array.from({ length: sessions }, (_, i) => echoSamples(target(`${label}-${i}`)))))
    .flat()
    .sort((a, b) => a - b);
  const pct = (p) => all[Math.min(all.length - 1, Math.floor((p / 100) * all.length))];
  return { samples: all.length, p50: pct(50), p95: pct(95), p99: pct(99) };
}

/**
 * One flooding client in its own process (so its sending costs the measuring process nothing):
 * connect, wait for hello, send `burst` bad-signature refreshes, wait for the close; repeat until stopped.
 */
function startFlood() {
  const good = token('flooder');
  const forged = `${good.slice(0, good.lastIndexOf('.'))}.${Buffer.alloc(256, 7).toString('base64url')}`;
  const child = fork(fileURLToPath(import.meta.url), ['--flooder', url, forged, good], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    started: new Promise((resolve) => child.once('message', resolve)),
    stop: () =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send('stop');
      }),
  };
}

const metric = async (name) => {
  const text = await (
    await fetch(`http://127.0.0.1:${broker.adminPort}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
};

const phases = [];
let floodStats = null;
for (let i = 0; i < 2; i++) {
  phases.push({ phase: `quiet-${i + 1}`, ...(await echoAll(`quiet-${i}`)) });
  const flood = startFlood();
  await flood.started;
  await new Promise((r) => setTimeout(r, 200)); // the flood is under way
  phases.push({ phase: `flood-${i + 1}`, ...(await echoAll(`flood-${i}`)) });
  const s = await flood.stop();
  floodStats ??= { connections: 0, framesSent: 0, closeCodes: {} };
  floodStats.connections += s.connections;
  floodStats.framesSent += s.framesSent;
  for (const [code, n] of Object.entries(s.closeCodes))
    floodStats.closeCodes[code] = (floodStats.closeCodes[code] ?? 0) + n;
}
const refused = await metric('podshell_refreshes_refused_total');

await broker.stop();
await sim.close();

const f = (x) => Number(x.toFixed(3));
const fmt = (r) => ({ phase: r.phase, samples: r.samples, p50: f(r.p50), p95: f(r.p95), p99: f(r.p99) });
console.log(
  JSON.stringify(
    {
      ...machineInfo(brokerEnv),
      echoSessions: sessions,
      roundsPerSession: rounds,
      echoRttMs: phases.map(fmt),
      ratioFloodToQuiet: {
        p50: f((phases[1].p50 + phases[3].p50) / (phases[0].p50 + phases[2].p50)),
        p95: f((phases[1].p95 + phases[3].p95) / (phases[0].p95 + phases[2].p95)),
      },
      flood: { ...floodStats, refusedUnverified: refused },
    },
    null,
    2,
  ),
);
