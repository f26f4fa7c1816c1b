import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort, waitFor } from './processes.js';
import { startPrometheus, type PrometheusServer } from './prometheus.js';
import { LOAD_GROUP } from './sim-child.js';

/**
 * Everything a load run needs, each a real process on 127.0.0.1: kube-sim (light echo and shell pods),
 * a private redis-server, the real `pod-shell-broker` CLI, and Prometheus scraping its admin /metrics.
 * `leak: true` starts the broker with the test-only leak preload (src/harness/leak-preload.ts).
 */
const HERE = fileURLToPath(new URL('.', import.meta.url));
const BROKER_CLI = fileURLToPath(new URL('../../../packages/broker/dist/cli.js', import.meta.url));
export const LEAK_PRELOAD = join(HERE, 'leak-preload.js');
export const SCRIPTS = fileURLToPath(new URL('../../scripts/', import.meta.url));
const RUNNER_CLI = fileURLToPath(new URL('../runner/cli.js', import.meta.url));
const RUNTIME_ENV_MODULE = new URL('../../../packages/broker/dist/test/runtime-env.js', import.meta.url).href;

/**
 * The allocator setting the image ships (jemalloc with a background purge thread; docs/operations.md,
 * "Memory after a peak"), when this machine has the library (.ci/run installs it): churn-leak's RSS
 * bound is the image's, and glibc malloc keeps the freed memory of closed sockets.
 */
async function shippedRuntimeEnv(): Promise<Record<string, string>> {
  const m = (await import(RUNTIME_ENV_MODULE)) as {
    SHIPPED_RUNTIME_ENV: Record<string, string>;
    jemallocInstalled(): boolean;
  };
  return m.jemallocInstalled() ? { ...m.SHIPPED_RUNTIME_ENV } : {};
}

export interface StackOptions {
  leak?: boolean;
  /** 'redis' (default; a private redis-server) or 'memory' (the broker's single-replica store). */
  store?: 'redis' | 'memory';
  /** Extra broker environment (e.g. LEAK_WINDOW_SECONDS). */
  env?: Record<string, string>;
}

export interface Stack {
  brokerUrl: string;
  adminUrl: string;
  adminToken: string;
  brokerPid: number;
  prometheus: PrometheusServer;
  dir: string;
  /** Mints `count` tokens into a file with the broker's token CLI; returns the path. */
  tokens(count: number, opts: { pod: string; ttl: string; name: string }): string;
  stop(): Promise<void>;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'pod-shell-load-'));
  const children: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of children.reverse()) {
      if (c.exitCode === null) c.kill('SIGTERM');
      await exitOf(c);
    }
  };
  try {
    const redisPort = await freePort();
    const redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxclients', '20000'],
      { stdio: 'ignore' },
    );
    children.push(redis);

    const sim = fork(join(HERE, 'sim-child.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(sim);
    const { kubeconfig } = await new Promise<{ kubeconfig: string }>((resolve, reject) => {
      sim.once('message', (m) => resolve(m as { kubeconfig: string }));
      sim.once('exit', (code) => reject(new Error(`kube-sim exited (${code})`)));
    });
    writeFileSync(join(dir, 'kubeconfig'), kubeconfig, { mode: 0o600 });

    const secret = randomBytes(32).toString('base64url');
    const tenants = {
      tenants: [
        {
          name: 'load',
          issuer: 'https://load.pod-shell.local',
          audience: 'pod-shell',
          keys: [{ kid: 'load-hs-1', alg: 'HS256', secret }],
          allowedOrigins: ['https://load.example'],
          allowMissingOrigin: true,
          namespaces: ['default'],
          identity: { user: 'load:{sub}', groups: [LOAD_GROUP] },
          limits: {
            maxConcurrentSessions: 100000,
            maxSessionSeconds: 3600,
            idleTimeoutSeconds: 900,
            connectsPerMinute: 1000000,
          },
        },
      ],
    };
    writeFileSync(join(dir, 'tenants.yaml'), stringify(tenants), { mode: 0o600 });

    const adminToken = randomBytes(24).toString('base64url');
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      ADMIN_TOKEN: adminToken,
      TENANTS_FILE: join(dir, 'tenants.yaml'),
      KUBECONFIG: join(dir, 'kubeconfig'),
      ...(opts.store === 'memory' ? {} : { REDIS_URL: `redis://127.0.0.1:${redisPort}` }),
      HOST: '127.0.0.1',
      IP_CONNECTS_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
      // The acquire script's cost grows with the tenant's sessions (issue 11) and this machine is shared:
      // the 500 ms default would turn a slow Redis into 4503 refusals that say nothing about the broker.
      REDIS_COMMAND_TIMEOUT_MS: '5000',
      ...(await shippedRuntimeEnv()),
      ...(opts.leak ? { NODE_OPTIONS: `--import=${LEAK_PRELOAD}` } : {}),
      ...opts.env,
    };
    await waitFor(
      () =>
        new Promise<boolean>((resolve) =>
          resolve(
            execFileSync('redis-cli', ['-p', String(redisPort), 'ping'])
              .toString()
              .includes('PONG'),
          ),
        ),
      10_000,
      () => 'redis-server did not start',
    );
    const ports = { port: await freePort(), adminPort: await freePort() };
    env['PORT'] = String(ports.port);
    env['ADMIN_PORT'] = String(ports.adminPort);
    const broker = spawn(process.execPath, [BROKER_CLI, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(broker);
    // The broker's stderr is passed on, except uWS's cork warning: the broker upgrades outside
    // res.cork() on purpose and uWS prints it once per upgrade (docs/operations.md), i.e. thousands of
    // identical lines in a load run. They are counted and summarised once at stop. An HTTP route that
    // writes uncorked would print the same line; pprof.test.ts in the broker package catches that.
    let uncorkedUpgrades = 0;
    let errBuf = '';
    broker.stderr.on('data', (d: Buffer) => {
      errBuf += d.toString();
      let nl: number;
      while ((nl = errBuf.indexOf('\n')) >= 0) {
        const line = errBuf.slice(0, nl);
        errBuf = errBuf.slice(nl + 1);
        if (UWS_CORK_WARNING.test(line)) uncorkedUpgrades++;
        else process.stderr.write(`${line}\n`);
      }
    });
    // Read the broker's log (LOG_LEVEL=warn) so its stdout never blocks; leak warnings are shown.
    broker.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n'))
        if (line.includes('leak.suspected')) process.stderr.write(`broker: ${line}\n`);
    });
    const early = new Promise<never>((_, reject) =>
      broker.once('exit', (code) => reject(new Error(`broker exited early (${code})`))),
    );
    await Promise.race([
      early,
      waitFor(
        async () => (await fetch(`http://127.0.0.1:${ports.port}/readyz`)).ok,
        30_000,
        () => 'the broker did not become ready',
      ),
    ]);
    const prometheus = await startPrometheus({ host: '127.0.0.1', port: ports.adminPort, token: adminToken });
    return {
      brokerUrl: `ws://127.0.0.1:${ports.port}`,
      adminUrl: `http://127.0.0.1:${ports.adminPort}`,
      adminToken,
      brokerPid: broker.pid!,
      prometheus,
      dir,
      tokens(count, t) {
        const out = join(dir, `${t.name}.tokens`);
        execFileSync(
          process.execPath,
          [
            BROKER_CLI,
            'token',
            '--tenants',
            env['TENANTS_FILE']!,
            '--tenant',
            'load',
            '--sub',
            'load-{n}',
            '--namespace',
            'default',
            '--pod',
            t.pod,
            '--ttl',
            t.ttl,
            '--count',
            String(count),
            '--out',
            out,
          ],
          { stdio: 'pipe' },
        );
        return out;
      },
      async stop() {
        await prometheus.stop();
        await stopAll();
        if (errBuf !== '') process.stderr.write(`${errBuf}\n`);
        if (uncorkedUpgrades > 0)
          process.stderr.write(
            `broker: ${uncorkedUpgrades} × uWS "writes must be made from within a corked callback" (one per upgrade, deliberate: docs/operations.md)\n`,
          );
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

const UWS_CORK_WARNING = /^Warning: uWS\.HttpResponse writes must be made from within a corked callback/;

/** Runs a k6 script with the runner in a child process (its own fd budget); resolves with exit code and output. */
export function runK6(
  script: string,
  env: Record<string, string>,
  echo = false,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    '--experimental-vm-modules',
    '--no-warnings',
    RUNNER_CLI,
    'run',
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    join(SCRIPTS, script),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (echo) process.stdout.write(d);
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-200_000);
    if (echo) process.stderr.write(d);
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}
