import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseDuration, rampTarget, scenariosFromOptions } from '../runner/executors.js';
import { percentile } from '../runner/metrics.js';
import { parseThresholds } from '../runner/thresholds.js';
import { echoServer, ScriptDir, summaryValue } from './runner-fixture.js';

/**
 * The runner's k6 semantics, on small scripts: executors and their iteration counts, a VU's iteration
 * lasting until its socket closed, thresholds and exit code 99, handleSummary JSON, and loud failure
 * at load time for anything outside the subset.
 */
describe('k6 runner', () => {
  const scripts = new ScriptDir();
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    echo = await echoServer();
  });
  after(async () => {
    await echo.close();
    scripts.remove();
  });

  test('durations, percentiles, ramp targets and threshold expressions parse like k6', () => {
    assert.equal(parseDuration('1m30s', 'x'), 90_000);
    assert.equal(parseDuration('500ms', 'x'), 500);
    assert.throws(() => parseDuration('10 minutes', 'options.x'), /options.x: "10 minutes" is not a duration/);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.ok(Math.abs(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95) - 95.5) < 1e-9);
    const [ramp] = scenariosFromOptions({
      scenarios: {
        r: {
          executor: 'ramping-vus',
          startVUs: 0,
          stages: [
            { duration: '10s', target: 100 },
            { duration: '5s', target: 100 },
          ],
        },
      },
    });
    assert.deepEqual(
      [rampTarget(ramp!, 0), rampTarget(ramp!, 5000), rampTarget(ramp!, 12_000), rampTarget(ramp!, 20_000)],
      [0, 50, 100, 100],
    );
    const t = parseThresholds({ a: ['p(95)<50', 'rate>0.99'], b: ['count==0', { threshold: 'value>=1' }] });
    assert.deepEqual(
      t.map((x) => [x.metric, x.aggregate, x.op, x.value]),
      [
        ['a', 'p(95)', '<', 50],
        ['a', 'rate', '>', 0.99],
        ['b', 'count', '==', 0],
        ['b', 'value', '>=', 1],
      ],
    );
    assert.throws(() => parseThresholds({ a: ['p95 < 50'] }), /cannot parse "p95 < 50"/);
    assert.throws(
      () => parseThresholds({ a: [{ threshold: 'rate>0', abortOnFail: true }] }),
      /unsupported k6 API: threshold option "abortOnFail"/,
    );
    assert.throws(
      () => parseThresholds({ 'http_req_duration{status:200}': ['p(95)<1'] }),
      /unsupported k6 API: threshold on a tagged sub-metric/,
    );
  });

  test('shared-iterations, per-vu-iterations and constant-vus run the iterations k6 would', async () => {
    const r = await scripts.run(
      'executors.js',
      `import { Counter } from 'k6/metrics';
import exec from 'k6/execution';
import { sleep } from 'k6';
const shared = new Counter('shared_iters');
const perVu = new Counter('per_vu_iters');
const seen = new Counter('distinct_iteration_ids');
const ids = {};
export const options = {
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 3, iterations: 10, exec: 'sharedFn' },
    perVu: { executor: 'per-vu-iterations', vus: 4, iterations: 2, exec: 'perVuFn' },
    constant: { executor: 'constant-vus', vus: 2, duration: '1s', exec: 'constantFn' },
  },
};
export function sharedFn() {
  shared.add(1);
  const id = exec.scenario.iterationInTest;
  if (!ids[id]) { ids[id] = true; seen.add(1); }
}
export function perVuFn() { perVu.add(1); }
export async function constantFn() { await sleep(0.25); }
`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(summaryValue(r.stdout, 'shared_iters'), '10');
    assert.equal(summaryValue(r.stdout, 'distinct_iteration_ids'), '10');
    assert.equal(summaryValue(r.stdout, 'per_vu_iters'), '8');
    const total = Number(summaryValue(r.stdout, 'iterations'));
    // 10 + 8 + two VUs looping 250 ms iterations for 1 s (4 each, a fifth may start just before the end).
    assert.ok(total >= 18 + 6 && total <= 18 + 10, `iterations ${total}`);
  });

  test('an iteration lasts until its WebSocket closed; ramping-vus reaches its target; checks and custom metrics count', async () => {
    const r = await scripts.run(
      'ws.js',
      `import { check } from 'k6';
import { Trend } from 'k6/metrics';
import { WebSocket } from 'k6/websockets';
import { setTimeout } from 'k6/timers';
const rtt = new Trend('rtt', true);
export const options = {
  scenarios: { ramp: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '1s', target: 5 }, { duration: '1s', target: 5 }], gracefulRampDown: '0s' } },
  thresholds: { rtt: ['p(95)<1000'], checks: ['rate==1'] },
};
export default function () {
  const ws = new WebSocket(__ENV.URL, null, { headers: { 'Sec-WebSocket-Protocol': 'echo.v1' } });
  ws.binaryType = 'arraybuffer';
  let sent = 0;
  ws.onopen = () => { sent = Date.now(); ws.send(new Uint8Array([1, 2, 3]).buffer); };
  ws.onmessage = (e) => {
    rtt.add(Date.now() - sent);
    check(new Uint8Array(e.data), { 'echoed 3 bytes': (b) => b.length === 3 && b[2] === 3 });
    setTimeout(() => ws.close(), 400);
  };
}
`,
      { URL: echo.url },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ echoed 3 bytes/);
    assert.match(r.stdout, /vus_max\.+: 5 /);
    // An iteration returns at once (its function only opens the socket) but lasts until the socket closed,
    // 400 ms after the echo: the median shows it. Not the minimum: under CI load one connect can fail
    // (measured once: min 88 ms), and an iteration whose socket errored ends then, in k6 as here.
    const medIteration = /iteration_duration\.+: avg=\S+\s+min=\S+\s+med=(\d+(?:\.\d+)?)ms/.exec(r.stdout);
    assert.ok(
      medIteration && Number(medIteration[1]) >= 400,
      `iterations waited for their socket: ${medIteration?.[0]}`,
    );
  });

  test('a crossed threshold: ✗ in the summary, k6 exit code 99; handleSummary gets k6 summary data', async () => {
    const out = join(scripts.dir, 'summary.json');
    const r = await scripts.run(
      'fails.js',
      `import { Rate, Counter } from 'k6/metrics';
const ok = new Rate('ok_rate');
const errors = new Counter('errors');
export const options = { iterations: 4, vus: 2, thresholds: { ok_rate: ['rate>0.99'], errors: ['count==0'] } };
export default function () { ok.add(__ITER % 2 === 0); errors.add(0); }
export function handleSummary(data) {
  return { stdout: 'custom summary\\n', [__ENV.OUT]: JSON.stringify(data) };
}
`,
      { OUT: out },
    );
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stderr, /thresholds on metrics 'ok_rate' have been crossed/);
    assert.equal(r.stdout, 'custom summary\n');
    const data = JSON.parse(readFileSync(out, 'utf8')) as {
      metrics: Record<
        string,
        { type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }
      >;
      state: { testRunDurationMs: number };
    };
    assert.equal(data.metrics['ok_rate']!.type, 'rate');
    assert.equal(data.metrics['ok_rate']!.values['rate'], 0.5);
    assert.deepEqual(data.metrics['ok_rate']!.thresholds, { 'rate>0.99': { ok: false } });
    assert.deepEqual(data.metrics['errors']!.thresholds, { 'count==0': { ok: true } });
    assert.equal(data.metrics['iterations']!.values['count'], 4);
    assert.ok(data.state.testRunDurationMs > 0);
  });

  test('anything outside the subset fails at load time, naming the API (exit 107, nothing runs)', async () => {
    // Imports are checked before any script code runs; options (an export) right after the init code, as k6 reads them.
    const cases: [string, RegExp, boolean][] = [
      [`import crypto from 'k6/crypto';`, /unsupported k6 API: module "k6\/crypto"/, false],
      [`import { post } from 'k6/http';`, /unsupported k6 API: k6\/http export "post"/, false],
      [
        `import http from 'k6/http';\nexport function other() { http.batch([]); }`,
        /unsupported k6 API: k6\/http member "batch"/,
        false,
      ],
      [`import fs from 'node:fs';`, /unsupported k6 API: module "node:fs"/, false],
      [
        `export const options = { scenarios: { a: { executor: 'constant-arrival-rate', rate: 1 } } };`,
        /unsupported k6 API: executor "constant-arrival-rate"/,
        true,
      ],
      [
        `export const options = { vus: 1, noConnectionReuse: true };`,
        /unsupported k6 API: option "noConnectionReuse"/,
        true,
      ],
    ];
    for (const [source, message, initRuns] of cases) {
      const r = await scripts.run(
        'unsupported.js',
        `${source}\nconsole.log('INIT RAN');\nexport default function () { console.log('ITERATION RAN'); }\n`,
      );
      assert.equal(r.code, 107, source);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stdout + r.stderr, /ITERATION RAN/, 'no iteration ran');
      if (!initRuns) assert.doesNotMatch(r.stdout + r.stderr, /INIT RAN/, 'rejected before any script code ran');
    }
  });
});
