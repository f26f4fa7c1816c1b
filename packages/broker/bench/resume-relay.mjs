#!/usr/bin/env node
// Resume benchmark (issue 12): (1) the echo latency a replica link adds — 1-byte stdin round trips on
// the same kind of session, direct to the replica holding it and resumed through another replica
// (relayed over the authenticated replica link), interleaved in one run so the ratio is not skewed by
// a busier machine; (2) the memory a session holds while in its resume grace period, with a full
// output buffer (the tenant's limits.resumeBufferBytes).
// Usage (after `npm run build`): node packages/broker/bench/resume-relay.mjs [--rounds N] [--runs N] [--grace-sessions N]
// Processes: two real broker replicas (separate processes), a private redis-server, kube-sim, clients here.
import { measureEchoLatency } from '../../kube-sim/bench/lib.mjs';
import { POD_SHELL_BEARER_PREFIX, POD_SHELL_SUBPROTOCOL, resumeSubprotocol } from '@pod-shell/protocol';
import { startReplicaCluster } from '../dist/test/replicas-cluster.js';
import { TEST_ORIGIN, ADMIN_TOKEN } from '../dist/test/harness.js';
import { until } from '../dist/test/redis-harness.js';
import { machineInfo, numberArg } from './bench-support.mjs';

const rounds = numberArg('--rounds', 2000);
const runs = numberArg('--runs', 3);
const graceSessions = numberArg('--grace-sessions', 100);
const phase = (name) => process.stderr.write(`resume-relay: ${name}\n`);

const c = await startReplicaCluster({
  replicas: 2,
  maxConcurrent: graceSessions + 10,
  env: { REPLICA_LINK_SECRET: 'bench-replica-link-secret-0123456789abcdef', KEEPALIVE_SECONDS: '60' },
});
const [A, B] = c.replicas;
for (const r of c.replicas) {
  const readyz = `${r.url.replace('ws:', 'http:').replace('/v1/session', '')}/readyz`;
  await until(async () => (await fetch(readyz)).status === 200, 10_000, `${r.id} ready`);
}
phase('2 replicas, redis and kube-sim up');

const metric = async (r, name) => {
  const text = await (
    await fetch(`${r.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return Number(m?.[1]);
};
const token = () => c.token({ pod: 'echo-0' });
const wsOptions = { origin: TEST_ORIGIN, perMessageDeflate: false };

/** A session on A, dropped (TCP) and waiting in grace: its credential and offset. */
async function sessionInGrace(fill = 0) {
  const t = await c.connect(A, { pod: 'echo-0', resumable: true });
  const hello = await t.waitForControl('hello');
  if (fill > 0) {
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    for (let sent = 0; sent < fill; sent += chunk.length) t.stdin(chunk);
    await t.waitUntil(() => t.stdoutBytes >= fill, 'the echo of the fill', 60_000);
  }
  const before = await metric(A, 'podshell_sessions_in_grace');
  t.destroy();
  await t.waitForClose();
  await until(async () => (await metric(A, 'podshell_sessions_in_grace')) === before + 1, 10_000, 'grace', 10);
  return { credential: hello.resume.credential, offset: t.stdoutBytes };
}

const direct = [];
const relayed = [];
for (let i = 0; i < runs; i++) {
  direct.push(
    await measureEchoLatency({
      url: A.url,
      protocols: [POD_SHELL_SUBPROTOCOL, POD_SHELL_BEARER_PREFIX + token()],
      wsOptions,
      rounds,
    }),
  );
  const g = await sessionInGrace();
  relayed.push(
    await measureEchoLatency({
      url: B.url,
      protocols: [POD_SHELL_SUBPROTOCOL, POD_SHELL_BEARER_PREFIX + token(), resumeSubprotocol(g.credential, g.offset)],
      wsOptions,
      rounds,
    }),
  );
  phase(
    `echo run ${i + 1}/${runs}: direct p50 ${direct.at(-1).p50.toFixed(3)} ms, relayed p50 ${relayed.at(-1).p50.toFixed(3)} ms`,
  );
}
await c.waitAllIdle(30_000);

// 2. Memory held in grace: N sessions, each with a full 256 KiB output buffer, dropped.
const rss0 = await metric(A, 'process_resident_memory_bytes');
const heap0 = await metric(A, 'nodejs_heap_size_used_bytes');
const held = [];
for (let i = 0; i < graceSessions; i++) held.push(await sessionInGrace(256 * 1024));
const rss1 = await metric(A, 'process_resident_memory_bytes');
const heap1 = await metric(A, 'nodejs_heap_size_used_bytes');
const external1 = await metric(A, 'nodejs_external_memory_bytes');
phase(`${graceSessions} sessions in grace`);
// Resume each one and close it (a clean end), so the cluster ends idle.
for (const g of held) {
  const t = await c.connect(B, { pod: 'echo-0', resume: { credential: g.credential, offset: g.offset } });
  await t.waitForControl('hello');
  await t.close();
}
await c.waitAllIdle(60_000);

const med = (xs, k) => [...xs.map((x) => x[k])].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = {
  machine: machineInfo({}),
  rounds,
  runs,
  echoMs: {
    direct: { p50: med(direct, 'p50'), p90: med(direct, 'p90'), p99: med(direct, 'p99') },
    relayed: { p50: med(relayed, 'p50'), p90: med(relayed, 'p90'), p99: med(relayed, 'p99') },
    addedP50: med(relayed, 'p50') - med(direct, 'p50'),
    addedP99: med(relayed, 'p99') - med(direct, 'p99'),
    ratioP50: med(relayed, 'p50') / med(direct, 'p50'),
  },
  grace: {
    sessions: graceSessions,
    bufferBytes: 256 * 1024,
    rssPerSessionBytes: Math.round((rss1 - rss0) / graceSessions),
    heapPerSessionBytes: Math.round((heap1 - heap0) / graceSessions),
    externalMemoryBytesAtPeak: external1,
  },
};
console.log(JSON.stringify(result, null, 2));
const left = await c.close();
if (left.length > 0) console.error(`registry keys left: ${left.join(', ')}`);
