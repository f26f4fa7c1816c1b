import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startExecHarness, type ExecHarness } from './exec-harness.js';
import { waitFor } from './exec-wait.js';
import { RawExecClient } from './exec-client.js';
import { parseStatus } from './http-support.js';

const SUCCESS = '{"metadata":{},"status":"Success"}';

/** Light container mode: in-process echo for load tests. */
describe('exec light mode', () => {
  let h: ExecHarness;
  before(async () => {
    h = await startExecHarness();
  });
  after(async () => {
    await h.close();
    assert.deepEqual(h.processes(), []);
  });

  test('echoes stdin, prints resizes, ends with Success on [0xFF,0]', async () => {
    const c = h.open('light', { command: ['sh'], stdin: true, stdout: true, tty: true });
    await c.opened;
    c.send(4, '{"Width":120,"Height":40}\n');
    c.send(0, 'abc');
    await c.until(() => c.stdout().endsWith('abc'), 5000, 'echo');
    assert.equal(c.stdout(), '\r\n[resized to 120x40]\r\nabc');
    const entry = h.processes().find((p) => p.pod === 'light')!;
    assert.equal(entry.pid, null);
    assert.equal(entry.clientConnected, true);
    c.sendRaw([0xff, 0]);
    const r = await c.result();
    assert.deepEqual(r.statuses, [SUCCESS]);
    assert.equal(r.code, 1000);
  });

  test('a client close ends it', async () => {
    const c = h.open('light', { command: ['sh'], stdin: true, stdout: true });
    await c.opened;
    await waitFor(() => h.processes().some((p) => p.pod === 'light'), 'the light stream in the table');
    c.ws.close();
    await c.closed;
    await waitFor(() => h.processes().length === 0 && h.openStreams() === 0, 'the light stream to end');
  });

  test('attach: light containers echo like exec; process containers have no main process to attach to', async () => {
    const path = (podName: string) =>
      `${h.wsBase}/api/v1/namespaces/default/pods/${podName}/attach?stdin=true&stdout=true&tty=true`;
    const light = new RawExecClient(path('light'), ['v5.channel.k8s.io'], h.wsOptions);
    await light.opened;
    light.send(0, 'hey');
    await light.until(() => light.stdout() === 'hey', 5000, 'attach echo');
    light.sendRaw([0xff, 0]);
    assert.deepEqual((await light.result()).statuses, [SUCCESS]);
    const proc = new RawExecClient(path('demo'), ['v5.channel.k8s.io'], h.wsOptions);
    const s = parseStatus((await proc.result()).statuses[0]!);
    assert.equal(s.reason, 'InternalError');
    assert.match(s.message ?? '', /^Internal error occurred: error attaching to container: /);
  });

  test('under load: 1,000 concurrent sessions, each echoing only its own input, with no OS process', async () => {
    const n = 1000;
    const clients = Array.from({ length: n }, () =>
      h.open('light', { command: ['sh'], stdin: true, stdout: true, tty: true }),
    );
    await Promise.all(clients.map((c) => c.opened));
    await waitFor(() => h.openStreams() === n, `${n} open streams`);
    const table = h.processes();
    assert.equal(table.length, n, 'every session is in the live process table');
    assert.ok(
      table.every((p) => p.pid === null && p.pod === 'light' && p.clientConnected),
      'light sessions have no pid',
    );
    clients.forEach((c, i) => c.send(0, `s${i};`));
    await Promise.all(clients.map((c, i) => c.until(() => c.stdout() === `s${i};`, 20_000, `echo ${i}`)));
    clients.forEach((c) => c.sendRaw([0xff, 0]));
    const results = await Promise.all(clients.map((c) => c.result(30_000)));
    assert.ok(results.every((r) => r.code === 1000 && r.statuses.length === 1 && r.statuses[0] === SUCCESS));
    await waitFor(() => h.openStreams() === 0 && h.processes().length === 0, 'all streams closed');
  });
});
