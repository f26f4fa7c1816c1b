#!/usr/bin/env node
// kube-sim direct exec benchmark (the baseline the broker is compared against).
// Usage (after `npm run build`): node packages/kube-sim/bench/direct-throughput.mjs [--bytes N] [--runs N]
// The simulator runs in a child process so client and server do not share one event loop.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { execQuery, measureEchoLatency, measureThroughput } from './lib.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};

if (args[0] === '--serve') {
  const { startKubeSim } = await import('../dist/index.js');
  const sim = await startKubeSim();
  process.send({ url: sim.url, token: sim.adminToken, ca: sim.caCert });
  process.on('message', async (m) => {
    if (m === 'close') {
      await sim.close();
      process.exit(0);
    }
  });
} else {
  const bytes = arg('--bytes', 200_000_000);
  const runs = arg('--runs', 3);
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const info = await new Promise((resolve) => child.once('message', resolve));
  const base = info.url.replace(/^https:/, 'wss:');
  const wsOptions = { ca: info.ca, headers: { Authorization: `Bearer ${info.token}` } };
  const path = (pod, q) => `${base}/api/v1/namespaces/default/pods/${pod}/exec?${execQuery(q)}`;
  // Latency first, on a quiet simulator (the bulk runs leave GC work behind).
  const echo = await measureEchoLatency({
    url: path('echo-0', { command: ['sh'], stdin: true, stdout: true, tty: true }),
    wsOptions,
  });
  const results = {};
  for (const tty of [false, true]) {
    const label = tty ? 'tty (PTY)' : 'no tty (pipes)';
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const r = await measureThroughput({
        url: path('demo', { command: ['head', '-c', String(bytes), '/dev/zero'], stdout: true, stderr: !tty, tty }),
        wsOptions,
      });
      if (r.bytes !== bytes) throw new Error(`${label}: received ${r.bytes} of ${bytes} bytes`);
      if (r.status !== '{"metadata":{},"status":"Success"}') throw new Error(`${label}: status ${r.status}`);
      samples.push(r);
    }
    const best = Math.max(...samples.map((s) => s.mbPerSecond));
    const median = samples.map((s) => s.mbPerSecond).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
    results[label] = {
      medianMBps: median.toFixed(0),
      bestMBps: best.toFixed(0),
      avgFrameKiB: (samples[0].bytes / samples[0].frames / 1024).toFixed(0),
    };
  }
  child.send('close');
  await new Promise((resolve) => child.once('exit', resolve));
  console.log(
    JSON.stringify(
      {
        node: process.version,
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        bytes,
        runs,
        throughput: results,
        lightEchoRttMs: {
          p50: echo.p50.toFixed(3),
          p90: echo.p90.toFixed(3),
          p99: echo.p99.toFixed(3),
          max: echo.max.toFixed(3),
        },
      },
      null,
      2,
    ),
  );
}
