#!/usr/bin/env node
// Broker CPU per relayed GB next to the floor's, same run: the same PTY flood (`head -c N /dev/zero`
// in kube-sim's pod `default/demo`, tty) relayed once through the real `pod-shell-broker` CLI and
// once through floor-relay.mjs (the smallest honest relay: TLS exec stream in, WebSocket frames out,
// nothing else), alternating, each relay in its own process. CPU = utime + stime of that process from
// /proc/<pid>/stat across the flood; kube-sim's CPU over the same floods is shown for scale.
// Usage (after `npm run build`): node packages/broker/bench/relay-floor.mjs [--bytes 300000000] [--runs 3] [--broker-env K=V ...]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { execQuery, measureThroughput } from '../../kube-sim/bench/lib.mjs';
import { mintToken } from '../dist/auth/token-mint.js';
import { parseTenants } from '../dist/tenants/tenants-file.js';
import { spawnBroker } from '../dist/test/broker-process.js';
import { tenantDoc, TEST_ORIGIN } from '../dist/test/harness.js';
import { envArgs, numberArg, startSimChild } from './bench-support.mjs';

const bytes = numberArg('--bytes', 300_000_000);
const runs = numberArg('--runs', 3);
const TICK = 100; // USER_HZ on Linux
/** utime + stime of a process, in seconds. */
const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const sim = await startSimChild();
const headCmd = ['head', '-c', String(bytes), '/dev/zero'];
const doc = tenantDoc({ allowedCommands: [headCmd], endOrphanedShells: false });
const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'bench.yaml', baseDir: '/' })[0];
const broker = await spawnBroker(sim, { KEEPALIVE_SECONDS: '60', ...envArgs('--broker-env') }, [doc]);
const floor = fork(fileURLToPath(new URL('./floor-relay.mjs', import.meta.url)), [JSON.stringify(sim)], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const floorPort = (await new Promise((resolve) => floor.once('message', resolve))).port;
const simPid = sim.pid;

const flood = async (kind) => {
  const pid = kind === 'broker' ? broker.child.pid : floor.pid;
  const target =
    kind === 'broker'
      ? {
          url: `ws://127.0.0.1:${broker.port}/v1/session`,
          protocols: [
            'pod-shell.v1',
            `pod-shell.bearer.${mintToken({ tenant, sub: 'bench', target: { namespace: 'default', pod: 'demo', command: headCmd }, ttlSeconds: 3600 })}`,
          ],
          wsOptions: { origin: TEST_ORIGIN },
        }
      : {
          url: `ws://127.0.0.1:${floorPort}/?${execQuery({ command: headCmd, stdout: true, tty: true })}`,
          protocols: [],
          wsOptions: {},
        };
  const c0 = cpuOf(pid);
  const s0 = cpuOf(simPid);
  const r = await measureThroughput(target);
  const cpu = cpuOf(pid) - c0;
  const simCpu = cpuOf(simPid) - s0;
  if (r.bytes !== bytes) throw new Error(`${kind}: relayed ${r.bytes} of ${bytes} bytes (close ${r.closeCode})`);
  return {
    mbPerSecond: r.mbPerSecond,
    cpuPerGb: (cpu / bytes) * 1e9,
    simCpuPerGb: (simCpu / bytes) * 1e9,
    frameKb: bytes / r.frames / 1024,
    usPerFrame: (cpu * 1e6) / r.frames,
  };
};

try {
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; ${runs} × ${bytes / 1e6} MB each way`,
  );
  const res = { broker: [], floor: [] };
  for (let i = 0; i < runs; i++) {
    for (const kind of i % 2 === 0 ? ['floor', 'broker'] : ['broker', 'floor']) {
      const r = await flood(kind);
      res[kind].push(r);
      console.log(
        `run ${i + 1} ${kind.padEnd(6)} ${r.mbPerSecond.toFixed(1)} MB/s, ${r.cpuPerGb.toFixed(2)} CPU-s/GB (kube-sim ${r.simCpuPerGb.toFixed(2)}), frames of ${r.frameKb.toFixed(1)} KiB on average, ${r.usPerFrame.toFixed(0)} µs CPU per frame`,
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
  broker.child.kill('SIGTERM');
  await broker.exited;
  broker.cleanup();
  await sim.close();
}
