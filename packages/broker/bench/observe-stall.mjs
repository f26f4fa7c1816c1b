#!/usr/bin/env node
// Observer benchmark (issue 12 item 4): does a watcher slow the session's owner? 1-byte stdin round
// trips of the owner on the same kind of session, (a) with no observer, (b) with an observer that reads,
// (c) with an observer that never reads (its socket paused: a stalled watcher), interleaved run by run
// so the ratios are not skewed by a busier machine. Then (d): the owner streams output while a stalled
// observer is attached: the observer is dropped at its bound and the owner's throughput is reported
// against the same stream with no observer.
// Usage (after `npm run build`): node packages/broker/bench/observe-stall.mjs [--rounds N] [--runs N] [--stream-bytes N]
// Processes: one real broker replica (separate process), a private redis-server, kube-sim, clients here.
import { mintToken } from '../dist/auth/token-mint.js';
import { TestClient } from '../dist/test/client.js';
import { TEST_ORIGIN, ADMIN_TOKEN, tenantDoc } from '../dist/test/harness.js';
import { startReplicaCluster } from '../dist/test/replicas-cluster.js';
import { machineInfo, numberArg } from './bench-support.mjs';

const rounds = numberArg('--rounds', 2000);
const runs = numberArg('--runs', 3);
const streamBytes = numberArg('--stream-bytes', 32 * 1024 * 1024);
const phase = (name) => process.stderr.write(`observe-stall: ${name}\n`);

const c = await startReplicaCluster({
  replicas: 1,
  env: { KEEPALIVE_SECONDS: '60' },
  extraTenants: [tenantDoc({ name: 'watch', issuer: 'https://watch.example', observers: true })],
});
const [A] = c.replicas;
phase('broker, redis and kube-sim up');

const metric = async (name) => {
  const text = await (
    await fetch(`${A.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
};
const tenant = c.tenants.find((t) => t.name === 'watch');
const watch = (sessionId) =>
  TestClient.connect(A.url, {
    origin: TEST_ORIGIN,
    observe: true,
    token: mintToken({ tenant, sub: 'bench-watcher', observe: sessionId, ttlSeconds: 3600 }),
  });

/** Echo round trips of one byte (the echo pod writes stdin back): percentiles in ms. */
async function echo(owner, n, warmup = 100) {
  const samples = [];
  for (let i = 0; i < n + warmup; i++) {
    const before = owner.stdoutBytes;
    const t0 = performance.now();
    owner.stdin('a');
    await owner.waitUntil(() => owner.stdoutBytes > before, 'the echo');
    if (i >= warmup) samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  return { p50: pct(50), p95: pct(95), p99: pct(99) };
}

/** One owner session with `mode` observer: 'none', 'reading' or 'stalled'. */
async function echoRun(mode) {
  const owner = await c.connect(A, { tenant: 'watch', pod: 'echo-0' });
  const hello = await owner.waitForControl('hello');
  let eve = null;
  if (mode !== 'none') {
    eve = await watch(hello.session);
    await eve.waitForControl('hello');
    await owner.waitUntil(() => owner.controls.some((m) => m.type === 'observers' && m.count === 1), 'count 1');
    if (mode === 'stalled') eve.socket.pause();
  }
  const r = await echo(owner, rounds);
  eve?.destroy();
  await owner.close();
  return r;
}

/** The owner streams `streamBytes` through the echo pod (written in 64 KiB chunks, acking), optionally with a stalled observer. */
async function streamRun(stalled) {
  const owner = await c.connect(A, { tenant: 'watch', pod: 'echo-0' });
  const hello = await owner.waitForControl('hello');
  owner.autoAck();
  let eve = null;
  if (stalled) {
    eve = await watch(hello.session);
    await eve.waitForControl('hello');
    await owner.waitUntil(() => owner.controls.some((m) => m.type === 'observers' && m.count === 1), 'count 1');
    eve.socket.pause();
  }
  const dropped0 = await metric('podshell_observers_dropped_total');
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  const t0 = performance.now();
  for (let sent = 0; sent < streamBytes; sent += chunk.length) {
    owner.stdin(chunk);
    // Keep at most 1 MiB of echo outstanding, as a terminal would.
    await owner.waitUntil(() => owner.stdoutBytes >= sent - 1024 * 1024, 'the echo to keep up', 60_000);
  }
  await owner.waitUntil(() => owner.stdoutBytes >= streamBytes, 'the whole echo', 120_000);
  const seconds = (performance.now() - t0) / 1000;
  const dropped = (await metric('podshell_observers_dropped_total')) - dropped0;
  owner.stdoutChunks.length = 0;
  eve?.destroy();
  await owner.close();
  return { mbPerSecond: streamBytes / 1024 / 1024 / seconds, observerDropped: dropped };
}

const none = [];
const reading = [];
const stalled = [];
for (let i = 0; i < runs; i++) {
  none.push(await echoRun('none'));
  reading.push(await echoRun('reading'));
  stalled.push(await echoRun('stalled'));
  phase(
    `echo run ${i + 1}/${runs}: p95 none ${none.at(-1).p95.toFixed(3)} ms, reading ${reading.at(-1).p95.toFixed(3)} ms, stalled ${stalled.at(-1).p95.toFixed(3)} ms`,
  );
}
const streams = { none: [], stalled: [] };
for (let i = 0; i < runs; i++) {
  streams.none.push(await streamRun(false));
  streams.stalled.push(await streamRun(true));
  phase(
    `stream run ${i + 1}/${runs}: ${streams.none.at(-1).mbPerSecond.toFixed(1)} MiB/s alone, ${streams.stalled.at(-1).mbPerSecond.toFixed(1)} MiB/s with a stalled observer (dropped: ${streams.stalled.at(-1).observerDropped})`,
  );
}
await c.waitAllIdle(30_000);

const med = (xs, k) => [...xs.map((x) => x[k])].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (xs) => ({ p50: med(xs, 'p50'), p95: med(xs, 'p95'), p99: med(xs, 'p99') });
const result = {
  machine: machineInfo({}),
  rounds,
  runs,
  echoMs: {
    noObserver: summary(none),
    readingObserver: summary(reading),
    stalledObserver: summary(stalled),
    ratioP95Stalled: med(stalled, 'p95') / med(none, 'p95'),
    ratioP95Reading: med(reading, 'p95') / med(none, 'p95'),
  },
  stream: {
    bytes: streamBytes,
    mibPerSecondAlone: med(streams.none, 'mbPerSecond'),
    mibPerSecondWithStalledObserver: med(streams.stalled, 'mbPerSecond'),
    ratio: med(streams.stalled, 'mbPerSecond') / med(streams.none, 'mbPerSecond'),
    stalledObserversDropped: streams.stalled.reduce((n, s) => n + s.observerDropped, 0),
  },
};
console.log(JSON.stringify(result, null, 2));
const left = await c.close();
if (left.length > 0) console.error(`registry keys left: ${left.join(', ')}`);
