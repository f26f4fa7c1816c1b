#!/usr/bin/env node
// What the shared Redis spends per session lifecycle (acquire + release) as one tenant grows: drives
// RedisStore directly (no broker, no kube-sim) against its own redis-server on a free port. For each
// size it fills the tenant to N concurrent sessions, then measures L lifecycles at that size (acquire
// one, release the oldest; 4 replicas = 4 connections, 64 in flight, heartbeat 5 s so heartbeats,
// reaps and audit steps are counted too): Redis commands and Redis CPU per lifecycle, the rate this one
// client process reached, and the rate one Redis core could sustain at that CPU cost.
// Usage (after `npm run build`): node packages/broker/bench/redis-store-scale.mjs [--sizes 1000,10000,50000] [--lifecycles 5000] [--runs 3]
import { loadavg } from 'node:os';
import { startRedis } from '../dist/test/redis-harness.js';
import { measureLifecycles } from '../dist/test/store-scale.js';
import { numberArg } from './bench-support.mjs';

const argv = process.argv.slice(2);
const sizesArg = argv[argv.indexOf('--sizes') + 1];
const sizes = argv.includes('--sizes') ? sizesArg.split(',').map(Number) : [1000, 10000, 50000];
const lifecycles = numberArg('--lifecycles', 5000);
const runs = numberArg('--runs', 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const redis = await startRedis();
const admin = redis.client();
console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  'held\tcmds/lifecycle\tEXISTS/lifecycle\tRedis CPU µs/lifecycle\tlifecycles/s (this client)\tfill acquires/s\tRedis-bound lifecycles/s (1 core)\tRedis bytes/session',
);
try {
  for (const held of sizes) {
    const rs = [];
    for (let r = 0; r < runs; r++) {
      rs.push(await measureLifecycles(admin, { url: redis.url, held, lifecycles }));
      await admin.flushall();
    }
    const cpu = median(rs.map((x) => x.redisCpuUsPerLifecycle));
    console.log(
      [
        held,
        median(rs.map((x) => x.commandsPerLifecycle)).toFixed(1),
        median(rs.map((x) => x.existsPerLifecycle)).toFixed(2),
        cpu.toFixed(1),
        median(rs.map((x) => x.lifecyclesPerSecond)).toFixed(0),
        median(rs.map((x) => x.fillPerSecond)).toFixed(0),
        (1e6 / cpu).toFixed(0),
        median(rs.map((x) => x.redisBytesPerSession)).toFixed(0),
      ].join('\t'),
    );
    if (argv.includes('--calls')) console.log(JSON.stringify(rs[0].calls));
  }
} finally {
  console.log(
    `load average at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  await redis.stop();
}
