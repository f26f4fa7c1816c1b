#!/usr/bin/env node
// Does a broker give memory back after a peak? Rounds of N sessions opened (to a kube-sim light pod,
// each echoing one line) and all closed on one broker (the real CLI), then, after --settle seconds with
// no session, its RSS and JS heap as /debug/resources reports them. Baseline = after a warm-up round
// (--warmup sessions, default the round size: code on the session paths compiled once, ~1 MB of JS
// heap) and the same settle; the cold figure (after 100 sessions) is printed too. Broker settings via
// --env K=V (e.g. the image's --env LD_PRELOAD=… --env MALLOC_CONF=…).
// Usage (after `npm run build`): node packages/broker/bench/memory-after-peak.mjs [--sessions 3000] [--rounds 3] [--settle 8] [--warmup N] [--env K=V ...]
import { loadavg } from 'node:os';
import { envArgs, numberArg, startSimChild } from './bench-support.mjs';
import { churnRound, memorySample, startChurnBroker } from '../dist/test/churn-memory.js';

const sessions = numberArg('--sessions', 3000);
const rounds = numberArg('--rounds', 3);
const settleSeconds = numberArg('--settle', 8);
const warmup = numberArg('--warmup', sessions);
const env = envArgs('--env');
const MB = (x) => (x / 1048576).toFixed(0);

const sim = await startSimChild();
const broker = await startChurnBroker(sim, env, Math.max(sessions, warmup) + 100);
try {
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; env ${JSON.stringify(env)}`,
  );
  await churnRound(broker, 100);
  await new Promise((r) => setTimeout(r, settleSeconds * 1000));
  const cold = await memorySample(broker);
  console.log(`cold (after 100 sessions): rss ${MB(cold.rss)} MB, heapUsed ${MB(cold.heapUsed)} MB`);
  await churnRound(broker, warmup);
  await new Promise((r) => setTimeout(r, settleSeconds * 1000));
  const base = await memorySample(broker);
  console.log(
    `baseline (after a warm-up round of ${warmup}): rss ${MB(base.rss)} MB, heapUsed ${MB(base.heapUsed)} MB, heapTotal ${MB(base.heapTotal)} MB, external ${MB(base.external)} MB`,
  );
  for (let r = 1; r <= rounds; r++) {
    const peak = await churnRound(broker, sessions);
    await new Promise((res) => setTimeout(res, settleSeconds * 1000));
    const m = await memorySample(broker);
    console.log(
      `round ${r}: peak rss ${MB(peak.rss)} MB heapUsed ${MB(peak.heapUsed)} MB; ${settleSeconds} s after the last close: rss ${MB(m.rss)} MB, heapUsed ${MB(m.heapUsed)} MB (${((m.heapUsed / base.heapUsed - 1) * 100).toFixed(1)} % over baseline), rss ${((m.rss - base.rss) / 1048576).toFixed(0)} MB over baseline, heapTotal ${MB(m.heapTotal)} MB, external ${MB(m.external)} MB, sessions ${m.sessions}`,
    );
  }
  for (const line of broker.process.logs.filter((l) => l.event === 'memory.trimmed')) console.log(JSON.stringify(line));
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await broker.stop();
  await sim.close();
}
