#!/usr/bin/env node
// Broker relay benchmark: the same measurements direct (client → kube-sim) and through the broker,
// in one run, so the ratio is not skewed by a busier or quieter machine between runs.
// Usage (after `npm run build`): node packages/broker/bench/broker-relay.mjs [--bytes N] [--runs N] [--idle N] [--prompts N] [--broker-env K=V ...]
// (--broker-env: extra environment for the broker process only, e.g. LD_PRELOAD=…/libjemalloc.so.2)
// Processes: kube-sim in one child, the real `pod-shell-broker` CLI in another, the clients here.
import { WebSocket } from 'ws';
import { execQuery, measureEchoLatency, measureThroughput } from '../../kube-sim/bench/lib.mjs';
import { mintToken } from '../dist/auth/token-mint.js';
import { DEFAULT_SHELL_COMMAND } from '../dist/auth/default-command.js';
import { parseTenants } from '../dist/tenants/tenants-file.js';
import { envArgs, numberArg, startSimChild, machineInfo } from './bench-support.mjs';
import { spawnBroker } from '../dist/test/broker-process.js';
import { tenantDoc, TEST_ORIGIN, ADMIN_TOKEN } from '../dist/test/harness.js';
import { stringify } from 'yaml';

const bytes = numberArg('--bytes', 100_000_000);
const runs = numberArg('--runs', 3);
const idle = numberArg('--idle', 1000);
const prompts = numberArg('--prompts', 20);
const phase = (name) => process.stderr.write(`broker-relay: ${name}\n`);
const sim = await startSimChild();
phase('kube-sim up');
const headCmd = ['head', '-c', String(bytes), '/dev/zero'];
const doc = tenantDoc({
  allowedCommands: [headCmd],
  endOrphanedShells: false,
  limits: { maxConcurrentSessions: idle + 100 },
});
const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'bench.yaml', baseDir: '/' })[0];
const brokerEnv = envArgs('--broker-env');
const broker = await spawnBroker(sim, { KEEPALIVE_SECONDS: '60', ...brokerEnv }, [doc]);
phase(`broker up (${broker.logs.find((l) => l.event === 'broker.listening')?.node})`);
const brokerUrl = `ws://127.0.0.1:${broker.port}/v1/session`;
const token = (target) =>
  mintToken({ tenant, sub: 'bench', target: { namespace: 'default', ...target }, ttlSeconds: 3600 });
const viaBroker = (target) => ({
  url: brokerUrl,
  protocols: ['pod-shell.v1', `pod-shell.bearer.${token(target)}`],
  wsOptions: { origin: TEST_ORIGIN },
});
const base = sim.url.replace(/^https:/, 'wss:');
const directOpts = { ca: sim.caCert, headers: { Authorization: `Bearer ${sim.adminToken}` } };
const direct = (pod, q) => ({
  url: `${base}/api/v1/namespaces/default/pods/${pod}/exec?${execQuery(q)}`,
  protocols: ['v5.channel.k8s.io'],
  wsOptions: directOpts,
});
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const median = (xs) => pct(xs, 50);

// 1. Echo latency (quiet machine first): light-mode pod, 1-byte stdin round trips.
const echoDirect = await measureEchoLatency(
  direct('echo-0', { command: ['sh'], stdin: true, stdout: true, tty: true }),
);
const echoBroker = await measureEchoLatency(viaBroker({ pod: 'echo-0' }));

const metric = async (name) => {
  const text = await (
    await fetch(`http://127.0.0.1:${broker.adminPort}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return Number(m?.[1]);
};

phase('echo latency done');
// 2. Throughput, alternating direct and broker runs: `head -c N /dev/zero` on a real PTY. The broker's
// own CPU seconds (process_cpu_seconds_total) over its runs give the relay cost per GB.
const tput = { direct: [], broker: [] };
let brokerCpuSeconds = 0;
for (let i = 0; i < runs; i++) {
  const d = await measureThroughput(direct('demo', { command: headCmd, stdout: true, tty: true }));
  const cpu0 = await metric('process_cpu_seconds_total');
  const b = await measureThroughput(viaBroker({ pod: 'demo', command: headCmd }));
  brokerCpuSeconds += (await metric('process_cpu_seconds_total')) - cpu0;
  if (d.bytes !== bytes || b.bytes !== bytes)
    throw new Error(`byte count mismatch: direct ${d.bytes}, broker ${b.bytes}, want ${bytes}`);
  if (b.closeCode !== 1000) throw new Error(`broker run closed with ${b.closeCode}`);
  tput.direct.push(d.mbPerSecond);
  tput.broker.push(b.mbPerSecond);
}

phase('throughput done');
// 3. Time to first prompt: default shell on the PTY pod, until the prompt's "# " or "$ " shows.
const firstPrompt = (target) =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(target.url, target.protocols, target.wsOptions);
    let text = '';
    ws.on('message', (data) => {
      if (data[0] !== 1) return;
      text += data.subarray(1).toString();
      if (/[#$] $/.test(text)) {
        const ms = performance.now() - t0;
        ws.close();
        resolve(ms);
      }
    });
    ws.on('error', reject);
  });
const ttfp = { direct: [], broker: [] };
for (let i = 0; i < prompts; i++) {
  ttfp.direct.push(
    await firstPrompt(direct('demo', { command: [...DEFAULT_SHELL_COMMAND], stdin: true, stdout: true, tty: true })),
  );
  ttfp.broker.push(await firstPrompt(viaBroker({ pod: 'demo' })));
}

phase('first prompt done');
// 4. Broker memory per idle session: open `idle` sessions to the light pod, measure the broker's RSS and heap.
const settle = () => new Promise((r) => setTimeout(r, 2000));
await settle();
const before = {
  rss: await metric('process_resident_memory_bytes'),
  heap: await metric('nodejs_heap_size_used_bytes'),
};
const sockets = [];
for (let i = 0; i < idle; i += 50) {
  sockets.push(
    ...(await Promise.all(
      Array.from({ length: Math.min(50, idle - i) }, () => {
        const t = viaBroker({ pod: 'echo-0' });
        return new Promise((resolve, reject) => {
          const ws = new WebSocket(t.url, t.protocols, t.wsOptions);
          ws.once('message', () => resolve(ws));
          ws.once('error', reject);
        });
      }),
    )),
  );
}
await settle();
const live = await metric('podshell_sessions_active');
const after = { rss: await metric('process_resident_memory_bytes'), heap: await metric('nodejs_heap_size_used_bytes') };
for (const ws of sockets) ws.close();

await broker.stop();
await sim.close();

const f = (x, d = 2) => Number(x.toFixed(d));
console.log(
  JSON.stringify(
    {
      ...machineInfo(brokerEnv),
      brokerRuntime: {
        node: broker.logs.find((l) => l.event === 'broker.listening')?.node,
        uws: broker.logs.find((l) => l.event === 'broker.listening')?.uws,
      },
      relayCpuSecondsPerGB: f(brokerCpuSeconds / ((bytes * runs) / 1e9), 3),
      throughputTtyMBps: {
        bytes,
        runs,
        direct: tput.direct.map((x) => f(x, 1)),
        broker: tput.broker.map((x) => f(x, 1)),
        ratioOfMedians: f(median(tput.broker) / median(tput.direct), 3),
      },
      echoRttMs: {
        direct: { p50: f(echoDirect.p50, 3), p99: f(echoDirect.p99, 3) },
        broker: { p50: f(echoBroker.p50, 3), p99: f(echoBroker.p99, 3) },
        added: { p50: f(echoBroker.p50 - echoDirect.p50, 3), p99: f(echoBroker.p99 - echoDirect.p99, 3) },
      },
      timeToFirstPromptMs: {
        runs: prompts,
        direct: { p50: f(pct(ttfp.direct, 50), 1), p95: f(pct(ttfp.direct, 95), 1) },
        broker: { p50: f(pct(ttfp.broker, 50), 1), p95: f(pct(ttfp.broker, 95), 1) },
      },
      idleSessions: {
        sessions: live,
        rssDeltaKBPerSession: f((after.rss - before.rss) / live / 1024, 1),
        heapDeltaKBPerSession: f((after.heap - before.heap) / live / 1024, 1),
      },
    },
    null,
    2,
  ),
);
