import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startExecHarness } from './exec-harness.js';
import { pidAlive, waitFor } from './exec-wait.js';

/** Checklist #22: a vanished client means stdin EOF only — `cat` exits, a TTY shell survives; close() ends all. */
describe('exec lifecycle', () => {
  test('#22: client vanishes: non-tty cat gets EOF and exits; a TTY sh survives until close()', async () => {
    const h = await startExecHarness();
    try {
      const cat = h.open('demo', { command: ['cat'], stdin: true, stdout: true, stderr: true });
      const sh = h.open('demo', { command: ['sh'], stdin: true, stdout: true, tty: true });
      await Promise.all([cat.opened, sh.opened]);
      sh.send(4, '{"Width":80,"Height":24}\n');
      sh.send(0, 'echo ready-$((6*7))\n');
      await sh.until(() => sh.stdout().includes('ready-42'), 10_000, 'the shell to run');
      cat.send(0, 'ping\n');
      await cat.until(() => cat.stdout() === 'ping\n', 10_000, 'cat echo');
      await waitFor(() => h.processes().length === 2, 'two processes in the table');
      assert.equal(h.openStreams(), 2);
      const shInfo = h.processes().find((p) => p.tty)!;
      assert.equal(shInfo.clientConnected, true);
      assert.deepEqual(shInfo.command, ['sh']);
      assert.equal(shInfo.pod, 'demo');

      // Vanish: destroy both TCP connections, no close frames.
      cat.ws.terminate();
      sh.ws.terminate();
      await waitFor(() => h.openStreams() === 0, 'open streams to drop to 0');
      await waitFor(() => !h.processes().some((p) => p.command[0] === 'cat'), 'cat to exit on stdin EOF');
      await waitFor(
        () => h.processes().some((p) => p.tty && !p.clientConnected),
        'the shell to be marked disconnected',
      );
      const survivor = h.processes().find((p) => p.tty)!;
      assert.equal(survivor.clientConnected, false);
      assert.ok(survivor.pid !== null && pidAlive(survivor.pid), 'the TTY shell is still running');

      await h.close();
      assert.deepEqual(h.processes(), []);
      await waitFor(() => !pidAlive(survivor.pid!), 'the surviving shell to be killed by close()');
    } finally {
      await h.close();
    }
  });

  test('close() kills running processes and ends their streams', async () => {
    const h = await startExecHarness();
    const c = h.open('demo', { command: ['sh', '-c', 'echo started; sleep 600'], stdout: true });
    await c.until(() => c.stdout() === 'started\n', 10_000, 'the command to start');
    const pid = h.processes()[0]!.pid!;
    await h.close();
    await c.closed;
    assert.equal(pidAlive(pid), false);
    assert.deepEqual(h.processes(), []);
    assert.equal(h.openStreams(), 0);
  });

  test('a process that exits while output is backpressured still delivers every byte', async () => {
    const h = await startExecHarness();
    try {
      const total = 20_000_000;
      const c = h.open('demo', { command: ['head', '-c', String(total), '/dev/zero'], stdout: true, tty: true });
      await c.opened;
      // A slow client: stop reading the socket until the process is blocked by backpressure.
      const socket = (c.ws as unknown as { _socket: import('node:net').Socket })._socket;
      socket.pause();
      await waitFor(() => h.processes().length === 1, 'head to start');
      // Bounded buffering: while the client reads nothing, head stays blocked and never finishes.
      const deadline = Date.now() + 1000;
      while (Date.now() < deadline) {
        assert.equal(h.processes().length, 1, 'head must be throttled while the client does not read');
        await new Promise((r) => setTimeout(r, 50));
      }
      socket.resume();
      const r = await c.result(60_000);
      // A PTY turns nothing in a stream of NULs; all bytes arrive.
      assert.equal(c.payloadOf(1).length, total);
      assert.deepEqual(r.statuses, ['{"metadata":{},"status":"Success"}']);
    } finally {
      await h.close();
    }
  });
});
