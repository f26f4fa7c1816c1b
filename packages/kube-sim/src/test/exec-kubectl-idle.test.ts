import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { kubectlBinary, useKubectlSim } from './kubectl-support.js';

/**
 * Checklist #19: client-go pings every 5 s and pushes its 61 s read deadline only with pongs, so a
 * server that never pongs kills an idle kubectl session after about a minute. This session stays
 * idle for IDLE_MS (past that deadline) and must still work afterwards.
 */
const IDLE_MS = 65_000;

const t = useKubectlSim();

test(
  "#19: a kubectl 1.32 exec session idle for 65 s (past client-go's 61 s pong deadline) still works",
  { timeout: IDLE_MS + 30_000 },
  async () => {
    const env = t.kubectl.env(t.kubectl.kubeconfigFor(t.sim.adminToken));
    const child = spawn(
      kubectlBinary('1.32'),
      ['exec', '-i', 'demo', '--', 'sh', '-c', 'echo ready; read x; echo "got $x"'],
      { env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const onData = (): void => {
        if (stdout.includes('ready\n')) {
          child.stdout.off('data', onData);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.once('close', () => reject(new Error(`kubectl ended early: ${stderr}`)));
    });
    let ended = false;
    void exited.then(() => (ended = true));
    // The idle period is what this test is about: nothing flows but kubectl's pings and our pongs.
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    assert.equal(ended, false, `kubectl gave up while idle: ${stderr}`);
    child.stdin.end('done\n');
    assert.equal(await exited, 0, stderr);
    assert.equal(stdout, 'ready\ngot done\n');
  },
);
