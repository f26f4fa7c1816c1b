import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startExecHarness } from './exec-harness.js';
import { utsUnsharePath } from '../process/container-env.js';

/** `kubectl exec multi -- hostname` must print the pod name, with either hostname strategy. */
test('hostname is the pod name: own UTS namespace when unshare works (root), else the PATH shim', async () => {
  const h = await startExecHarness();
  try {
    const c = h.open('demo', { command: ['sh', '-c', 'hostname; cat /proc/sys/kernel/hostname'], stdout: true });
    const lines = (await c.result()).stdout.trim().split('\n');
    assert.equal(lines[0], 'demo');
    // In a UTS namespace the kernel's hostname is the pod name too; the shim only covers `hostname`.
    if (utsUnsharePath() !== null) assert.equal(lines[1], 'demo');
  } finally {
    await h.close();
  }
});

test('the PATH shim fallback (forced with KUBE_SIM_HOSTNAME_SHIM=1) also prints the pod name', async () => {
  process.env['KUBE_SIM_HOSTNAME_SHIM'] = '1';
  const h = await startExecHarness();
  try {
    const c = h.open('demo', { command: ['hostname'], stdout: true, tty: true });
    assert.equal((await c.result()).stdout, 'demo\r\n');
  } finally {
    delete process.env['KUBE_SIM_HOSTNAME_SHIM'];
    await h.close();
  }
});
