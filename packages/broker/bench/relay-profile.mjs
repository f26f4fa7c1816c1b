#!/usr/bin/env node
// Where the broker's time goes while it relays a PTY at full rate: one session through the real
// `pod-shell-broker` CLI running `head -c N /dev/zero`, and a CPU profile of the broker taken over the
// admin port's /debug/cpuprofile while the bytes flow. Prints the throughput, the share of the
// profile the broker's thread was idle, and the functions with the most self time; writes the
// profile for Chrome DevTools.
// Usage (after `npm run build`): node packages/broker/bench/relay-profile.mjs [--bytes 400000000] [--seconds 4] [--out /tmp/relay.cpuprofile]
import { writeFileSync } from 'node:fs';
import { measureThroughput } from '../../kube-sim/bench/lib.mjs';
import { mintToken } from '../dist/auth/token-mint.js';
import { parseTenants } from '../dist/tenants/tenants-file.js';
import { numberArg, startSimChild } from './bench-support.mjs';
import { spawnBroker } from '../dist/test/broker-process.js';
import { tenantDoc, TEST_ORIGIN, ADMIN_TOKEN } from '../dist/test/harness.js';
import { stringify } from 'yaml';

const bytes = numberArg('--bytes', 400_000_000);
const seconds = numberArg('--seconds', 4);
const argv = process.argv.slice(2);
const out = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : '/tmp/relay.cpuprofile';

const sim = await startSimChild();
const headCmd = ['head', '-c', String(bytes), '/dev/zero'];
const doc = tenantDoc({ allowedCommands: [headCmd], endOrphanedShells: false });
const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'bench.yaml', baseDir: '/' })[0];
const broker = await spawnBroker(sim, { KEEPALIVE_SECONDS: '60' }, [doc]);
try {
  const token = mintToken({
    tenant,
    sub: 'bench',
    target: { namespace: 'default', pod: 'demo', command: headCmd },
    ttlSeconds: 3600,
  });
  const relay = measureThroughput({
    url: `ws://127.0.0.1:${broker.port}/v1/session`,
    protocols: ['pod-shell.v1', `pod-shell.bearer.${token}`],
    wsOptions: { origin: TEST_ORIGIN },
  });
  // Let the stream reach full rate before profiling.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const res = await fetch(`http://127.0.0.1:${broker.adminPort}/debug/cpuprofile?seconds=${seconds}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (res.status !== 200) throw new Error(`profile request failed: ${res.status} ${await res.text()}`);
  const text = await res.text();
  writeFileSync(out, text);
  const result = await relay;
  if (result.bytes !== bytes)
    throw new Error(
      `relayed ${result.bytes} of ${bytes} bytes; the profile ended before the stream did? use more --bytes`,
    );

  const profile = JSON.parse(text);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i]);
    total += profile.timeDeltas[i];
  });
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
  console.log(
    `through the broker: ${result.mbPerSecond.toFixed(1)} MB/s; profile ${seconds} s, broker thread idle ${((100 * idle) / total).toFixed(1)} % of it`,
  );
  console.log('self time, top 12:');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  console.log(`profile written to ${out} (open it in Chrome DevTools > Performance)`);
} finally {
  await broker.stop();
  await sim.close();
}
