#!/usr/bin/env node
// Broker CPU per relayed GB next to the floor's, same run: the same PTY flood (`head -c N /dev/zero`
// in kube-sim's pod `default/demo`, tty) relayed once through the real `pod-shell-broker` CLI and
// once through floor-relay.mjs (the smallest honest relay: TLS exec stream in, WebSocket frames out,
// nothing else), alternating, each relay in its own process. CPU = utime + stime of that process from
// /proc/<pid>/stat across the flood; kube-sim's CPU over the same floods is shown for scale.
// --perf DIR: also samples each relay process with `perf record` (Linux perf, root or
// perf_event_paranoid <= 1) across each flood and prints where its CPU went, user and kernel, by symbol.
// --cautious-v8: both relays run with V8 in its cautious heap-growing mode (dist/test/v8-conservative-heap.js,
// the mode V8's memory reducer puts an idle process in), so the broker meets the repeated full
// collections of docs/benchmarks.md every run; compare --broker-env HEAP_GROWING_PERCENT=0 (V8's own
// factor) with the shipped default (100).
// With PODSHELL_TEST_BROKER_LAUNCHER=deploy/image/test-launcher.sh the broker runs in the image (its CPU
// then from its process_cpu_seconds_total); the floor stays a host process.
// Usage (after `npm run build`): node packages/broker/bench/relay-floor.mjs [--bytes 300000000] [--runs 3]
//   [--warmup-bytes 20000000] [--perf DIR] [--floor-ballast-mb N] [--cautious-v8] [--resumable] [--trace-broker-gc]
//   [--broker-env K=V ...]
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { POD_SHELL_RESUMABLE } from '@pod-shell/protocol';
import { execQuery, measureThroughput } from '../../kube-sim/bench/lib.mjs';
import { mintToken } from '../dist/auth/token-mint.js';
import { parseTenants } from '../dist/tenants/tenants-file.js';
import { brokerLauncher, spawnBroker } from '../dist/test/broker-process.js';
import { CAUTIOUS_V8_IMPORT } from '../dist/test/v8-conservative-heap.js';
import { ADMIN_TOKEN, tenantDoc, TEST_ORIGIN } from '../dist/test/harness.js';
import { envArgs, numberArg, startSimChild } from './bench-support.mjs';

const bytes = numberArg('--bytes', 300_000_000);
const runs = numberArg('--runs', 3);
const argv = process.argv.slice(2);
const perfDir = argv.includes('--perf') ? argv[argv.indexOf('--perf') + 1] : null;
if (perfDir !== null) mkdirSync(perfDir, { recursive: true });
const TICK = 100; // USER_HZ on Linux
/** utime + stime of a process, in seconds. */
const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const sim = await startSimChild();
const WARMUP_BYTES = numberArg('--warmup-bytes', 20_000_000);
// --floor-ballast-mb N: the floor relay holds N MB of live JS objects (an experiment: its GCs then
// mark a heap as large as the broker's, about 38 MB).
const floorBallastMb = numberArg('--floor-ballast-mb', 0);
const headCmd = (n) => ['head', '-c', String(n), '/dev/zero'];
const doc = tenantDoc({ allowedCommands: [headCmd(bytes), headCmd(WARMUP_BYTES)], endOrphanedShells: false });
const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'bench.yaml', baseDir: '/' })[0];
// --trace-broker-gc: the broker runs with --trace-gc and --trace-incremental-marking, and each flood
// prints what started V8's markings and why it ran its mark-compacts.
const traceGc = process.argv.includes('--trace-broker-gc');
const cautious = process.argv.includes('--cautious-v8');
const brokerEnv = envArgs('--broker-env');
// --resumable: the broker's client offers pod-shell.resumable.v1, as the element does by default, so
// the broker also records every output frame in the session's resume buffer.
const resumable = process.argv.includes('--resumable');
const brokerImports = [
  ...(cautious ? [CAUTIOUS_V8_IMPORT] : []),
  ...(traceGc
    ? [
        'data:text/javascript,' +
          encodeURIComponent(
            "import{setFlagsFromString}from'node:v8';setFlagsFromString('--trace-gc --trace-incremental-marking');",
          ),
      ]
    : []),
];
const broker = await spawnBroker(
  sim,
  {
    KEEPALIVE_SECONDS: '60',
    ...(brokerImports.length > 0 ? { NODE_OPTIONS: brokerImports.map((i) => `--import=${i}`).join(' ') } : {}),
    ...brokerEnv,
  },
  [doc],
);
const gcReasons = new Map();
if (traceGc)
  broker.child.stdout.on('data', (d) => {
    for (const line of d.toString().split('\n')) {
      const start = /\[IncrementalMarking\] Start \(([^)]*)\)/.exec(line);
      if (start)
        gcReasons.set(`marking started: ${start[1]}`, (gcReasons.get(`marking started: ${start[1]}`) ?? 0) + 1);
      const m = /Mark-Compact.*?current mu = [\d.]+\) (.*?);?\s*$/.exec(line);
      if (m) gcReasons.set(m[1], (gcReasons.get(m[1]) ?? 0) + 1);
      if (m && gcReasons.size + [...gcReasons.values()].reduce((a, b) => a + b, 0) <= 4)
        console.log(`  ${line.replace(/^\[[^\]]*\]\s*/, '')}`);
    }
  });
const floor = fork(
  fileURLToPath(new URL('./floor-relay.mjs', import.meta.url)),
  [JSON.stringify(sim), String(floorBallastMb)],
  {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: cautious ? [`--import=${CAUTIOUS_V8_IMPORT}`] : [],
  },
);
const floorPort = (await new Promise((resolve) => floor.once('message', resolve))).port;
const simPid = sim.pid;

const brokerMetrics = async () =>
  (
    await fetch(`http://127.0.0.1:${broker.adminPort}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).text();
// PODSHELL_TEST_BROKER_LAUNCHER (e.g. deploy/image/test-launcher.sh: the broker in the image, Node 24):
// the child is the launcher, not the broker, so the broker's CPU comes from its own
// process_cpu_seconds_total instead of /proc.
const launched = brokerLauncher() !== undefined;
if (launched && perfDir !== null)
  throw new Error('--perf needs the broker as a host process (no PODSHELL_TEST_BROKER_LAUNCHER)');
const brokerCpu = async () =>
  launched ? Number(/^process_cpu_seconds_total (\S+)$/m.exec(await brokerMetrics())[1]) : cpuOf(broker.child.pid);

/** The broker's garbage collections so far, by kind (minor, major, incremental, weakcb), from its /metrics. */
const brokerGcs = async () => {
  const text = await brokerMetrics();
  const out = {};
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_count\{kind="(\w+)"\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
};

/** The floor's garbage collections so far, by kind. */
const floorGcs = () =>
  new Promise((resolve) => {
    floor.once('message', (m) => resolve(m.gcs));
    floor.send('gcs');
  });

let perfRuns = 0;
/** `perf record` on `pid` until stop(); resolves once perf is attached. */
const startPerf = async (pid, file) => {
  const p = spawn('perf', ['record', '-q', '-F', '999', '-p', String(pid), '-o', file], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500)); // perf needs a moment to attach
  return {
    stop: () =>
      new Promise((resolve) => {
        p.once('exit', resolve);
        p.kill('SIGINT');
      }),
  };
};
/** A perf data file's samples by `sort` keys (percent of that process's samples), the top `n` lines. */
const perfReport = (file, sort, n) =>
  execFileSync('perf', ['report', '-i', file, '--stdio', '--no-children', '--sort', sort, '--percent-limit', '1'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .split('\n')
    .filter((l) => /^\s+\d/.test(l))
    .slice(0, n)
    .join('\n');
/** The share of a perf data file's samples in V8's garbage collector (any thread), in percent. */
const perfGcShare = (file) => {
  const rows = execFileSync('perf', ['report', '-i', file, '--stdio', '--no-children', '--sort', 'sym'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 << 20,
  }).split('\n');
  const GC =
    /v8::internal::(\w*Marking|\w*Mark\w*Collector|Sweeper|Scavenger|\w*Evacuat|Heap::|\w*Visitor|MemoryChunk|HeapObject::SizeFromMap|\w*Marker|BodyDescriptor|ArrayBufferSweeper)/;
  let gc = 0;
  for (const row of rows) {
    const m = /^\s+([\d.]+)%/.exec(row);
    if (m && GC.test(row)) gc += Number(m[1]);
  }
  return gc;
};
/** Where a relay's CPU went: by binary (kernel, node, libc, the uWS addon), V8's GC share, the top symbols. */
const perfTop = (file) =>
  `${perfReport(file, 'dso', 6)}\n    ${perfGcShare(file).toFixed(1)}%  in V8's garbage collector (all threads)\n  --\n${perfReport(file, 'dso,sym', 12)}`;

const flood = async (kind, n = bytes) => {
  const pid = kind === 'broker' ? broker.child.pid : floor.pid;
  const target =
    kind === 'broker'
      ? {
          url: `ws://127.0.0.1:${broker.port}/v1/session`,
          protocols: [
            'pod-shell.v1',
            ...(resumable ? [POD_SHELL_RESUMABLE] : []),
            `pod-shell.bearer.${mintToken({ tenant, sub: 'bench', target: { namespace: 'default', pod: 'demo', command: headCmd(n) }, ttlSeconds: 3600 })}`,
          ],
          wsOptions: { origin: TEST_ORIGIN },
        }
      : {
          url: `ws://127.0.0.1:${floorPort}/?${execQuery({ command: headCmd(n), stdout: true, tty: true })}`,
          protocols: [],
          wsOptions: {},
        };
  const perf = perfDir === null || n !== bytes ? null : await startPerf(pid, `${perfDir}/${kind}-${++perfRuns}.data`);
  const gc0 = kind === 'broker' ? await brokerGcs() : await floorGcs();
  const cpuNow = kind === 'broker' ? brokerCpu : async () => cpuOf(pid);
  const c0 = await cpuNow();
  const s0 = cpuOf(simPid);
  const r = await measureThroughput(target);
  const cpu = (await cpuNow()) - c0;
  if (perf !== null) await perf.stop();
  const simCpu = cpuOf(simPid) - s0;
  const gc1 = kind === 'broker' ? await brokerGcs() : await floorGcs();
  if (traceGc && kind === 'broker') {
    console.log(
      `  broker markings started and mark-compacts, by reason: ${JSON.stringify(Object.fromEntries(gcReasons))}`,
    );
    gcReasons.clear();
  }
  const gcs =
    gc1 === null
      ? ''
      : `; ${kind} GCs ${Object.entries(gc1)
          .map(([k, v]) => `${k} ${v - (gc0[k] ?? 0)}`)
          .join(', ')}`;
  if (r.bytes !== n) throw new Error(`${kind}: relayed ${r.bytes} of ${n} bytes (close ${r.closeCode})`);
  return {
    mbPerSecond: r.mbPerSecond,
    cpuPerGb: (cpu / n) * 1e9,
    simCpuPerGb: (simCpu / n) * 1e9,
    frameKb: n / r.frames / 1024,
    usPerFrame: (cpu * 1e6) / r.frames,
    gcs,
  };
};

try {
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(
        ' ',
      )}; ${runs} × ${bytes / 1e6} MB each way; broker HEAP_GROWING_PERCENT ${brokerEnv.HEAP_GROWING_PERCENT ?? '100 (default)'}${cautious ? '; V8 in its cautious heap-growing mode' : ''}${resumable ? '; resumable sessions' : ''}`,
  );
  // One unmeasured flood each first: the broker's first flood also pays for compiling its relay path
  // and for collecting its start-up garbage (measured: 3.33 CPU-s/GB against about 2 afterwards).
  if (WARMUP_BYTES > 0) for (const kind of ['floor', 'broker']) await flood(kind, WARMUP_BYTES);
  const res = { broker: [], floor: [] };
  for (let i = 0; i < runs; i++) {
    for (const kind of i % 2 === 0 ? ['floor', 'broker'] : ['broker', 'floor']) {
      const r = await flood(kind);
      res[kind].push(r);
      if (perfDir !== null) console.log(perfTop(`${perfDir}/${kind}-${perfRuns}.data`));
      console.log(
        `run ${i + 1} ${kind.padEnd(6)} ${r.mbPerSecond.toFixed(1)} MB/s, ${r.cpuPerGb.toFixed(2)} CPU-s/GB (kube-sim ${r.simCpuPerGb.toFixed(2)}), frames of ${r.frameKb.toFixed(1)} KiB on average, ${r.usPerFrame.toFixed(0)} µs CPU per frame${r.gcs}`,
      );
    }
  }
  const b = median(res.broker.map((r) => r.cpuPerGb));
  const f = median(res.floor.map((r) => r.cpuPerGb));
  console.log(
    `median CPU-s/GB: broker ${b.toFixed(2)}, floor ${f.toFixed(2)}, ratio ${(b / f).toFixed(2)}; ` +
      `ratio per run ${res.broker.map((r, i) => (r.cpuPerGb / res.floor[i].cpuPerGb).toFixed(2)).join(', ')}`,
  );
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  floor.send('close');
  await broker.stop();
  await sim.close();
}
