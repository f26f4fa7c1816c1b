import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from './harness.js';

/**
 * The README's "open a shell with any WebSocket client" path: examples/connect.mjs is a whole client in
 * one file (Authorization header, no Origin). Piped stdin is sent, then half-closed; the process exits
 * with the remote command's exit code, or 1 with the broker's message when the session was refused.
 */
const CLIENT = fileURLToPath(new URL('../../../../examples/connect.mjs', import.meta.url));

function runClient(
  url: string,
  token: string,
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, url, token], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('examples/connect.mjs', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ testTenant: { allowMissingOrigin: true } });
  });
  after(async () => {
    await h.close();
  });

  test('runs piped commands in the pod and exits with their exit code', async () => {
    const r = await runClient(h.url, h.token(), 'echo $((6*7)); exit 3\n');
    assert.match(r.stdout, /\b42\b/);
    assert.equal(r.code, 3, r.stderr);
    await h.waitIdle();
  });

  test('a refused token prints the broker message and exits 1', async () => {
    const r = await runClient(h.url, 'not-a-token', '');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /close 4401/);
    await h.waitIdle();
  });
});
