#!/usr/bin/env node
// Node 20 on the host vs Node 24 in the image, in one run: broker-relay.mjs twice with the same
// arguments, once with the broker as a host process (Node 20, uWS 20.30) and once inside the image
// (Node 24, uWS 20.57; deploy/image/test-launcher.sh: host network, read-only, uid 1000). kube-sim and
// the clients run on the host both times, so the direct path is measured beside each.
// Usage (after `npm run build` and deploy/image/build.sh):
//   node packages/broker/bench/runtimes.mjs [broker-relay.mjs arguments, e.g. --bytes 50000000 --idle 500]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const relay = fileURLToPath(new URL('./broker-relay.mjs', import.meta.url));
const launcher = fileURLToPath(new URL('../../../deploy/image/test-launcher.sh', import.meta.url));
const args = process.argv.slice(2);
const run = (env) =>
  JSON.parse(
    execFileSync(process.execPath, [relay, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
const host = run({ PODSHELL_TEST_BROKER_LAUNCHER: '' });
const image = run({ PODSHELL_TEST_BROKER_LAUNCHER: launcher });
const row = (r) => ({
  broker: `Node ${r.brokerRuntime.node}, uWS ${r.brokerRuntime.uws}`,
  idleKBPerSession: r.idleSessions.rssDeltaKBPerSession,
  heapKBPerSession: r.idleSessions.heapDeltaKBPerSession,
  relayCpuSecondsPerGB: r.relayCpuSecondsPerGB,
  throughputRatio: r.throughputTtyMBps.ratioOfMedians,
  addedEchoMs: r.echoRttMs.added,
});
console.log(JSON.stringify({ args, host: row(host), image: row(image), raw: { host, image } }, null, 2));
