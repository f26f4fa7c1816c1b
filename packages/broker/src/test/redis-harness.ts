import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { isMarkerKey } from '../store/redis-missed-commands.js';

/**
 * A private redis-server child process for one test file: a free port, no persistence (so a restart
 * really loses the data, like a failed-over or restarted Redis), stoppable and restartable on the same
 * port. The machine's 6379 instance is never touched.
 */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM, or `signal`) and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (empty: nothing was persisted). */
  start(): Promise<void>;
  /** Freezes / thaws the process: a Redis that accepts TCP but never answers. */
  pause(): void;
  resume(): void;
  /** A plain client for assertions (lazily created, closed by stop()). */
  client(): Redis;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function launch(port: number, args?: string[], ready = 'Ready to accept connections'): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const argv = args ?? [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ];
    const child = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.includes(ready)) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.off('exit', onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`));
    child.stdout.on('data', onData);
    child.stderr.resume();
    child.once('exit', onExit);
  });
}

export async function startRedis(): Promise<RedisProcess> {
  let child: ChildProcess | null = null;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    child = await launch(port).catch(() => null);
  }
  if (!child) throw new Error('could not start redis-server on a free port');
  let plain: Redis | null = null;
  const proc: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      plain?.disconnect();
      plain = null;
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGCONT');
        c.kill(signal);
      });
    },
    async start() {
      if (child) return;
      child = await launch(port);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    client() {
      plain ??= new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      return plain;
    },
  };
  return proc;
}

/** Polls `check` until it returns true or `timeoutMs` passes (for state in another process, where there is no event). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 25,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Every registry key left in Redis except the time-bounded ones: rate counters (two minutes), kill
 * markers (MARKER_TTL_SECONDS) and the audit sweep's position (ps:audit*, ten heartbeat periods) —
 * each of those must carry a TTL, which is checked here.
 */
export async function sessionKeys(client: Redis): Promise<string[]> {
  const all = await client.keys('ps:*');
  const bounded = all.filter((k) => /:rate:\d+$/.test(k) || isMarkerKey(k) || /^ps:audit(:tick|:queue)?$/.test(k));
  for (const k of bounded) if ((await client.ttl(k)) < 0) return [`${k} (no TTL)`];
  return all.filter((k) => !bounded.includes(k)).sort();
}

/** A Redis Sentinel (redis-server --sentinel) monitoring `masterPort` as master group `name`. */
export async function startSentinel(
  masterPort: number,
  name: string,
): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'pod-shell-sentinel-'));
  const port = await freePort();
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it lives in a private temp dir.
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      '',
    ].join('\n'),
  );
  const child = await launch(port, [conf, '--sentinel'], '+monitor master');
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
