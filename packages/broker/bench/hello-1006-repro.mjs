#!/usr/bin/env node
// Focused reproduction of "the socket drops right after hello" (issue 8 item 5; the FIXME that was in
// packages/element/src/test/live-auth.browser.test.ts). Each run is a fresh `pod-shell-broker` CLI
// process (the failure depends on the state of that process's heap), which first sees the refused
// traffic the browser tests send (a bad signature and an expired token, refused in band with 4401, and
// an upgrade from a foreign origin, refused with HTTP 403), then serves sessions that must each get
// `hello`, run a command and close with the client's own 1000. A session whose socket closes before
// that, or that never gets `hello`, is a failure.
//
// Usage (after `npm run build`):
//   node packages/broker/bench/hello-1006-repro.mjs [--runs 200] [--sessions 3] [--perturb N]
// --perturb N starts each broker with MALLOC_PERTURB_=N (glibc fills freed memory with byte N): a
// correct program behaves the same with any N, so a failure that appears with it is a read of freed
// memory. Exit code 0 only when every session of every run was clean.
import { mintToken } from '../dist/auth/token-mint.js';
import { parseTenants } from '../dist/tenants/tenants-file.js';
import { spawnBroker } from '../dist/test/broker-process.js';
import { TestClient } from '../dist/test/client.js';
import { tenantDoc, TEST_ORIGIN } from '../dist/test/harness.js';
import { stringify } from 'yaml';
import { numberArg, startSimChild } from './bench-support.mjs';

const runs = numberArg('--runs', 200);
const sessions = numberArg('--sessions', 3);
const perturb = numberArg('--perturb', -1);
const doc = tenantDoc({ endOrphanedShells: false });
const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'repro.yaml', baseDir: '/' })[0];
const token = (o = {}) =>
  mintToken({ tenant, sub: 'repro', target: { namespace: 'default', pod: 'demo' }, ttlSeconds: 600, ...o });

/** One refused connect: resolves with the close code, or `http-<status>` for an HTTP refusal. */
async function refused(url, options) {
  try {
    const c = await TestClient.connect(url, options);
    return String((await c.waitForClose(5000)).code);
  } catch (err) {
    return err.status !== undefined ? `http-${err.status}` : `error-${err.message}`;
  }
}

/** One session: hello, a command's output, our own close. Returns null when clean, else what went wrong. */
async function session(url, n) {
  const c = await TestClient.connect(url, { token: token(), origin: TEST_ORIGIN });
  try {
    await c.waitForControl('hello', 5000);
    c.stdin(`echo repro-$((${n}+1))\n`);
    await c.waitForText(`repro-${n + 1}`, 5000);
  } catch (err) {
    const close = c.closeEvent;
    c.destroy();
    return `${close ? `closed ${close.code} ${close.reason}` : 'still open'}${c.control('hello') ? ' after hello' : ' before hello'}: ${err.message}`;
  }
  const close = await c.close(1000);
  return close.code === 1000 ? null : `closed ${close.code} instead of 1000`;
}

const sim = await startSimChild();
const failures = [];
const t0 = Date.now();
try {
  for (let run = 1; run <= runs; run++) {
    const broker = await spawnBroker(sim, { ...(perturb >= 0 ? { MALLOC_PERTURB_: String(perturb) } : {}) }, [doc]);
    try {
      const url = `ws://127.0.0.1:${broker.port}/v1/session`;
      const [header, payload] = token().split('.');
      const refusals = [
        await refused(url, { token: `${header}.${payload}.${'A'.repeat(86)}`, origin: TEST_ORIGIN }),
        await refused(url, { token: token({ ttlSeconds: 60, now: Date.now() - 180_000 }), origin: TEST_ORIGIN }),
        await refused(url, { token: token(), origin: 'http://localhost:1' }),
      ];
      if (refusals.join() !== '4401,4401,http-403') failures.push({ run, what: `refusals were ${refusals.join()}` });
      for (let n = 0; n < sessions; n++) {
        const problem = await session(url, n);
        if (problem !== null) failures.push({ run, session: n, what: problem });
      }
    } finally {
      await broker.stop();
    }
    if (run % 20 === 0) process.stderr.write(`${run}/${runs} runs, ${failures.length} failures\n`);
  }
} finally {
  await sim.close();
}
const result = {
  runs,
  sessionsPerRun: sessions,
  perturb: perturb >= 0 ? perturb : null,
  failedSessions: failures.length,
  failedRuns: new Set(failures.map((f) => f.run)).size,
  seconds: Math.round((Date.now() - t0) / 1000),
  failures: failures.slice(0, 10),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(failures.length === 0 ? 0 : 1);
