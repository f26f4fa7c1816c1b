/**
 * `npm start` as a newcomer runs it (minus the build, which the test run already did): the script
 * starts kube-sim and the broker, prints the URL, the page shows a working shell, and Ctrl-C
 * (SIGINT) stops everything with nothing left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './chromium.js';
import { ELEMENT_ROOT } from './static-files.js';
import { run, waitForStatus } from './page-helpers.js';
import { freePort } from './live-stack.js';

const REPO_ROOT = join(ELEMENT_ROOT, '..', '..');

/** The error code of a TCP connect to 127.0.0.1:port, or 'connected'. */
function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

test('npm start serves a working shell at the printed URL, and SIGINT stops everything', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pod-shell-start-'));
  // The demo tenants file, with this test's port as the allowed origin.
  const tenants = readFileSync(join(REPO_ROOT, 'examples', 'tenants.demo.yaml'), 'utf8').replaceAll(
    ':8080',
    `:${port}`,
  );
  writeFileSync(join(dir, 'tenants.yaml'), tenants);
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'scripts', 'start.mjs'),
      '--no-build',
      '--port',
      String(port),
      '--tenants',
      join(dir, 'tenants.yaml'),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ADMIN_PORT: '0', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const browser = await launchChromium();
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`npm start did not print its URL within 60 s:\n${output}`)),
        60_000,
      );
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        // eslint-disable-next-line no-control-regex
        const m = /demo ready:.*?(http:\/\/localhost:\d+\/)/.exec(output.replace(/\u001b\[[0-9;]*m/g, ''));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then((code) => reject(new Error(`npm start exited (${code}) early:\n${output}`)));
    });
    assert.equal(url, `http://localhost:${port}/`);
    const page = await browser.newPage();
    await page.goto(url);
    await waitForStatus(page, 'connected');
    await run(page, 'echo started-$((40+2))', /^started-42$/m);
    // Ctrl-C in a terminal: SIGINT to the script (the broker gets its own and drains).
    const closed = page.evaluate(
      () =>
        new Promise<number>((resolve) => document.addEventListener('pod-shell-close', (e) => resolve(e.detail.code))),
    );
    child.kill('SIGINT');
    assert.equal(await exited, 0, output);
    assert.equal(await closed, 4503, 'the open shell was told the broker is going away');
    assert.match(output, /stopped\./);
    // Nothing is left listening: not the broker, not kube-sim.
    const simPort = /kube-sim listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    assert.ok(simPort, output);
    for (const p of [port, Number(simPort)])
      assert.equal(await connectError(p), 'ECONNREFUSED', `port ${p} still accepts connections`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
