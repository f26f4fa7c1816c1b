import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadUwsBuild } from '../server/uws.js';
import { BROKER_VERSION } from '../version.js';
import { brokerLauncher } from './broker-process.js';
import { startHarness, type Harness } from './harness.js';

/** /metrics names the versions the broker runs, and Node's process metrics keep their standard names. */
describe('build info and process metrics on /metrics', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('podshell_build_info names the broker, Node and the uWS build that loaded', async () => {
    const { text } = await h.admin('/metrics');
    const listening = h.logs.find((l) => l['event'] === 'broker.listening')!;
    const [node, uws] = [String(listening['node']), String(listening['uws'])];
    // In process the broker runs on this Node; out of process (the image) on its own.
    if (brokerLauncher() === undefined)
      assert.deepEqual([node, uws], [process.versions.node, loadUwsBuild().build.version]);
    // The uWS rule (docs/runtime.md): Node 22 and later run uWS 20.57.
    if (Number(node.split('.')[0]) >= 22) assert.equal(uws, '20.57.0');
    assert.ok(
      text.includes(`podshell_build_info{version="${BROKER_VERSION}",node="${node}",uws="${uws}"} 1`),
      text
        .split('\n')
        .filter((l) => l.includes('build_info'))
        .join('\n'),
    );
  });

  test('process_* and nodejs_* carry their usual names, not podshell_-prefixed ones', async () => {
    const { text } = await h.admin('/metrics');
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.match(text, new RegExp(`^${name} `, 'm'), name);
    }
    assert.doesNotMatch(text, /^podshell_(process|nodejs)_/m);
  });
});
