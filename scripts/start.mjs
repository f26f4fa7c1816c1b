#!/usr/bin/env node
// `npm start`: the one-command demo. Builds everything, starts kube-sim (the simulated cluster,
// default fixtures) unless --kubeconfig names a real one, starts the broker in DEMO_MODE with
// examples/tenants.demo.yaml, and prints the URL of the demo page. Ctrl-C stops everything.
//
//   npm start                              simulated cluster
//   npm start -- --kubeconfig ~/.kube/config   a real cluster (the demo tenant's RBAC must allow exec)
//   npm start -- --no-build --port 8081    skip the build; another port (add its origin to the tenants file)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `Usage: npm start [-- options]

  --kubeconfig PATH   use this cluster instead of starting kube-sim
  --port N            public port of the broker (default $PORT or 8080)
  --host ADDR         listen address (default 127.0.0.1: the demo's token endpoint stays on this machine)
  --tenants FILE      tenants file (default examples/tenants.demo.yaml)
  --no-build          skip \`npm run build\`
  -h, --help          this help

Environment: REDIS_URL (shared store; default in-memory), LOG_LEVEL (default warn).`;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      tenants: { type: 'string' },
      'no-build': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (err) {
  console.error(`start: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const port = args.port ?? process.env.PORT ?? '8080';
if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
  console.error(`start: --port must be a port number, got ${JSON.stringify(port)}`);
  process.exit(2);
}
const host = args.host ?? '127.0.0.1';
const tenantsFile = resolve(args.tenants ?? join(root, 'examples', 'tenants.demo.yaml'));
const kubeconfigArg =
  args.kubeconfig === undefined ? undefined : resolve(args.kubeconfig.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
for (const [what, file] of [
  ['tenants file', tenantsFile],
  ['kubeconfig', kubeconfigArg],
]) {
  if (file !== undefined && !existsSync(file)) {
    console.error(`start: ${what} ${file} does not exist`);
    process.exit(2);
  }
}

const say = (text) => process.stdout.write(`\x1b[1m[start]\x1b[0m ${text}\n`);
/** Every child process, stopped in reverse start order. */
const children = [];
let stopping = false;
const tempDir = mkdtempSync(join(tmpdir(), 'pod-shell-demo-'));

function run(command, argv, options = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, argv, { cwd: root, stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolveRun()
        : reject(new Error(`${command} ${argv.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/** Starts a long-running child; its output lines are prefixed with `name`. Resolves when `ready(line)` matches. */
function startChild(name, argv, env, ready, { timeoutMs = 60_000, ownGroup = false } = {}) {
  // `ownGroup`: the terminal's Ctrl-C does not reach it; stop() ends it after the children started later.
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownGroup,
  });
  const entry = { name, child, exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))) };
  children.push(entry);
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not become ready within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    let buffered = '';
    const onData = (stream) => (chunk) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        stream.write(`\x1b[2m[${name}]\x1b[0m ${line}\n`);
        if (ready(line)) {
          clearTimeout(timer);
          resolveStart(entry);
        }
      }
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    entry.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready`));
      if (!stopping) {
        say(`${name} exited (${signal ?? `code ${code}`}); stopping the demo`);
        void stop(1);
      }
    });
  });
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet: try again until the deadline.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops the broker first (it drains: every shell gets a closing frame), then kube-sim. */
async function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  for (const { name, child, exited } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    const killer = setTimeout(() => {
      say(`${name} did not stop within 30 s; killing it`);
      child.kill('SIGKILL');
    }, 30_000);
    await exited;
    clearTimeout(killer);
  }
  rmSync(tempDir, { recursive: true, force: true });
  say('stopped.');
  process.exit(exitCode);
}

// Ctrl-C reaches the broker too (same process group) and it starts draining at once; kube-sim runs in
// its own group so it outlives the broker's drain (which ends the shells it started) and is stopped last.
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
// Whatever happens to this script, a detached child must not outlive it.
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

try {
  if (!args['no-build']) {
    say('building (npm run build)…');
    await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent']);
  }
  const brokerCli = join(root, 'packages', 'broker', 'dist', 'cli.js');
  const simCli = join(root, 'packages', 'kube-sim', 'dist', 'cli.js');
  for (const file of kubeconfigArg ? [brokerCli] : [brokerCli, simCli]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }

  let kubeconfig = kubeconfigArg;
  if (kubeconfig === undefined) {
    kubeconfig = join(tempDir, 'kubeconfig');
    say('starting kube-sim (simulated cluster, default fixtures)…');
    await startChild(
      'kube-sim',
      [simCli, '--kubeconfig-out', kubeconfig],
      {},
      (line) => line.startsWith('kubeconfig written to'),
      { ownGroup: true },
    );
  } else {
    say(`using the cluster of ${kubeconfig}`);
  }

  const adminToken = randomBytes(24).toString('base64url');
  say(
    `starting the broker on ${host}:${port} (DEMO_MODE, ${process.env.REDIS_URL ? 'Redis store' : 'in-memory store'})…`,
  );
  const brokerEnv = {
    PORT: port,
    HOST: host,
    ADMIN_TOKEN: adminToken,
    TENANTS_FILE: tenantsFile,
    KUBECONFIG: kubeconfig,
    DEMO_MODE: 'true',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const brokerStarted = startChild('broker', [brokerCli], brokerEnv, () => false);
  brokerStarted.catch(() => {});
  await Promise.race([waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000), brokerStarted]);

  const url = `http://localhost:${port}/`;
  say('');
  say(`\x1b[32mpod-shell demo ready:\x1b[0m  \x1b[1m${url}\x1b[0m`);
  say(
    `metrics: curl -H 'Authorization: Bearer ${adminToken}' http://127.0.0.1:${process.env.ADMIN_PORT ?? '9090'}/metrics`,
  );
  if (kubeconfig !== kubeconfigArg) say(`kubectl: KUBECONFIG=${kubeconfig} kubectl get pods -A`);
  say('Ctrl-C stops everything.');
} catch (err) {
  say(`\x1b[31m${err.message}\x1b[0m`);
  await stop(1);
}
