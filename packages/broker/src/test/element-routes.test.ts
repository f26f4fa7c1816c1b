import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import { elementBundle } from '../server/element-bundle.js';
import { spawnBroker, type BrokerProcess } from './broker-process.js';
import { simFixture, TEST_ORIGIN } from './harness.js';

/**
 * The <pod-shell> bundle on a production (non-demo) broker: the plain path redirects to the
 * versioned one, which is immutable and answers CORS only for the tenants' allowed origins; the
 * README's snippet names the current path and SRI hash (scripts/update-readme-sri.mjs).
 */
const bundle = elementBundle(readFileSync(createRequire(import.meta.url).resolve('@pod-shell/element/pod-shell.js')));

describe('the element bundle on every broker', () => {
  let sim: KubeSim | undefined;
  let b: BrokerProcess | undefined;
  let base: string;
  before(async () => {
    sim = await startKubeSim({ fixtures: simFixture() });
    b = await spawnBroker(sim);
    base = `http://127.0.0.1:${b.port}`;
  });
  after(async () => {
    // When the broker failed to start, kube-sim must still close, or the file never exits.
    await b?.stop();
    await sim?.close();
  });

  test('GET /pod-shell.js redirects (302, no-cache) to /v1/pod-shell.<hash>.js', async () => {
    const res = await fetch(`${base}/pod-shell.js`, { redirect: 'manual', headers: { origin: TEST_ORIGIN } });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), bundle.path);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(res.headers.get('access-control-allow-origin'), TEST_ORIGIN);
  });

  test('the versioned path: the bundle, cached for a year, CORS for an allowed origin', async () => {
    const res = await fetch(base + bundle.path, { headers: { origin: TEST_ORIGIN } });
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bundle.body);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(res.headers.get('access-control-allow-origin'), TEST_ORIGIN);
    assert.equal(res.headers.get('vary'), 'origin');
    assert.equal(
      b!.logs.some((l) => l['event'] === 'demo.enabled'),
      false,
      'not a demo broker',
    );
  });

  test('an origin no tenant allows gets no CORS header; another hash is 404', async () => {
    const res = await fetch(base + bundle.path, { headers: { origin: 'https://evil.example' } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const stale = await fetch(`${base}/v1/pod-shell.0000000000000000.js`);
    assert.equal(stale.status, 404);
    assert.match(await stale.text(), new RegExp(bundle.path.replaceAll('.', '\\.')));
  });

  test("the README's snippet names the current path and its SRI hash", () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const tag = `<script type="module" src="https://broker.example.com${bundle.path}"\n        integrity="${bundle.integrity}" crossorigin="anonymous"></script>`;
    assert.ok(
      readme.includes(tag),
      `README.md is stale: run node scripts/update-readme-sri.mjs (want ${bundle.path} ${bundle.integrity})`,
    );
  });
});
