import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

/** Writes throw-away k6 scripts and runs them through the runner CLI, as `pod-shell-k6 run` does. */
const RUNNER_CLI = fileURLToPath(new URL('../runner/cli.js', import.meta.url));

export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

export class ScriptDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'pod-shell-k6-test-'));

  write(name: string, source: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, source);
    return path;
  }

  run(name: string, source: string, env: Record<string, string> = {}): Promise<ScriptRun> {
    const path = this.write(name, source);
    const args = [
      '--experimental-vm-modules',
      '--no-warnings',
      RUNNER_CLI,
      'run',
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      path,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A WebSocket echo server on a free port: binary messages come back unchanged. */
export async function echoServer(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const addr = wss.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}

/** The value of one metric line of the text summary, e.g. `iterations` → "10". */
export function summaryValue(stdout: string, metric: string): string | undefined {
  const line = stdout.split('\n').find((l) => new RegExp(`^\\s+[✓✗ ] ${metric}\\.+:`).test(l));
  return line?.split(':').slice(1).join(':').trim().split(/\s+/)[0];
}
