import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import { Channel, decodeFrame, encodeFrame } from '@pod-shell/protocol';
import { DEFAULT_SHELL_COMMAND } from '../auth/default-command.js';
import { dialExec } from '../kube/exec-client.js';
import type { ClusterDial } from '../kube/kube-clusters.js';
import { endRemoteShell, hangUpCommand, trackedShell, wrapCommandForPidTracking } from '../kube/shell-reaper.js';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { until } from './redis-harness.js';

const logger = createLogger({ level: 'error' });
const noIdentity = { groups: [], extra: {} };

describe('orphaned shells: marking and hanging up the remote shell', () => {
  let sim: KubeSim;
  let dial: ClusterDial;

  before(async () => {
    sim = await startKubeSim();
    dial = { server: sim.url, options: { ca: sim.caCert, headers: { Authorization: `Bearer ${sim.adminToken}` } } };
  });
  after(async () => {
    await sim.close();
  });

  it('wraps shell commands with the session mark and leaves other commands alone', () => {
    const id = randomBytes(16).toString('base64url');
    const wrapped = wrapCommandForPidTracking(DEFAULT_SHELL_COMMAND, id);
    assert.equal(wrapped[0], '/bin/sh');
    assert.equal(wrapped[1], '-c');
    assert.ok(
      wrapped[2]!.startsWith(`export POD_SHELL_SESSION=${id}; `) && wrapped[2]!.endsWith(DEFAULT_SHELL_COMMAND[2]!),
    );
    assert.deepEqual(wrapCommandForPidTracking(['bash', '-l'], id), [
      'bash',
      '-c',
      `export POD_SHELL_SESSION=${id}; exec "$0" "$@"`,
      'bash',
      '-l',
    ]);
    assert.deepEqual(wrapCommandForPidTracking(['/app/server', '--x'], id), ['/app/server', '--x']);
    assert.equal(trackedShell(['python3']), null);
    assert.throws(() => wrapCommandForPidTracking(['sh'], 'x; rm -rf /'), TypeError);
    assert.throws(() => hangUpCommand("'$(id)'"), TypeError);
  });

  it('a vanished client leaves a surviving TTY shell, and endRemoteShell ends it within 5 s', async () => {
    const id = randomBytes(16).toString('base64url');
    const target = { namespace: 'default', pod: 'demo', container: 'shell' };
    const up = dialExec(
      dial,
      { ...target, command: wrapCommandForPidTracking(DEFAULT_SHELL_COMMAND, id), tty: true },
      { headers: {}, handshakeTimeoutMs: 5000, maxPayloadBytes: 1 << 20 },
    );
    up.socket.on('error', () => undefined);
    await up.opened;
    // Wait until the shell answers, then start a foreground job, as a user would have.
    let out = '';
    const seen = (text: string): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (out.includes(text)) {
            up.socket.off('message', onMsg);
            resolve();
          }
        };
        const onMsg = (data: Buffer): void => {
          const f = decodeFrame(data);
          if (f?.channel === Channel.Stdout) out += Buffer.from(f.payload).toString('utf8');
          check();
        };
        up.socket.on('message', onMsg);
        check();
      });
    up.socket.send(encodeFrame(Channel.Stdin, 'echo "ready-$((6*7))"\n'));
    await seen('ready-42');
    const mine = (): number => sim.stats().processes.filter((p) => p.pod === 'demo' && p.tty).length;
    assert.equal(mine(), 1);
    // The client vanishes: the runtime sees stdin EOF only; the TTY shell survives it.
    up.socket.terminate();
    await until(
      () => sim.stats().processes.some((p) => p.pod === 'demo' && p.tty && !p.clientConnected),
      2000,
      'the sim to notice the vanished client',
    );
    assert.equal(mine(), 1, 'the TTY shell survived its client');

    const metrics = createMetrics({ defaultMetrics: false });
    const t0 = Date.now();
    const result = await endRemoteShell({ kube: dial, target, sessionId: id, identity: noIdentity, logger, metrics });
    assert.equal(result, 'ended');
    await until(() => mine() === 0, 5000 - (Date.now() - t0), 'the shell to leave the process table');
    assert.equal((await metrics.orphanCleanupFailures.get()).values[0]?.value ?? 0, 0);
    // Nothing carries the mark any more: a second cleanup finds nothing.
    assert.equal(
      await endRemoteShell({ kube: dial, target, sessionId: id, identity: noIdentity, logger, metrics }),
      'not-found',
    );
    await until(
      () => sim.stats().openExecStreams === 0 && sim.stats().processes.length === 0,
      3000,
      'no exec streams or processes left',
    );
  });

  it('counts a cleanup that cannot run as a failure', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const result = await endRemoteShell({
      kube: dial,
      target: { namespace: 'default', pod: 'no-such-pod' },
      sessionId: randomBytes(16).toString('base64url'),
      identity: noIdentity,
      logger,
      metrics,
    });
    assert.equal(result, 'failed');
    assert.equal((await metrics.orphanCleanupFailures.get()).values[0]!.value, 1);
  });
});
