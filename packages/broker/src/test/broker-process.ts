import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { KubeSim } from '@pod-shell/kube-sim';
import { ADMIN_TOKEN, tenantDoc } from './harness.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');

/**
 * PODSHELL_TEST_BROKER_LAUNCHER: an executable that starts the broker instead of `node dist/cli.js`,
 * called as `<launcher> serve` with the broker's configuration in its environment (e.g.
 * deploy/image/test-launcher.sh runs the container image). It must print the broker's log on stdout,
 * pass SIGTERM on and exit with the broker's code. Tests built on spawnBroker or startHarness then
 * run against that broker.
 */
export function brokerLauncher(): string | undefined {
  const launcher = process.env['PODSHELL_TEST_BROKER_LAUNCHER'];
  return launcher === undefined || launcher === '' ? undefined : launcher;
}

/** The variables a launcher reads for itself (deploy/image/test-launcher.sh): forwarded only to a launcher. */
function launcherEnv(launcher: string | undefined): Record<string, string> {
  if (launcher === undefined) return {};
  const out: Record<string, string> = {};
  for (const name of ['PODSHELL_TEST_IMAGE', 'CONTAINERS_CONF']) {
    const value = process.env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

/** The real `pod-shell-broker` CLI as a child process, configured against a kube-sim; ports read from its log. */
export interface BrokerProcess {
  child: ChildProcess;
  port: number;
  adminPort: number;
  logs: Record<string, unknown>[];
  /** Everything the process wrote to stderr so far (the broker logs on stdout; stderr has only what Node and the uWS addon print). */
  stderr(): string;
  /** Resolves once stderr holds `count` matches of `pattern` (rejects when the process exits first). */
  stderrMatches(pattern: RegExp, count: number): Promise<number>;
  /** Resolves with the exit code (and signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  cleanup(): void;
  /** SIGTERM (unless it already exited), waits for the exit, removes its files; resolves with the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `kubeconfig`: what the broker authenticates with (default: the simulator's admin kubeconfig). */
export async function spawnBroker(
  sim: KubeSim,
  env: Record<string, string> = {},
  tenants = [tenantDoc()],
  kubeconfigText = sim.kubeconfig,
): Promise<BrokerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'pod-shell-broker-'));
  const tenantsFile = join(dir, 'tenants.yaml');
  writeFileSync(tenantsFile, stringify({ tenants }));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigText, { mode: 0o600 });
  const launcher = brokerLauncher();
  const child = spawn(launcher ?? process.execPath, launcher === undefined ? [CLI, 'serve'] : ['serve'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      // The launcher's own settings (which image, podman's configuration) pass through; the broker's
      // configuration is everything else below.
      ...launcherEnv(launcher),
      ADMIN_TOKEN,
      TENANTS_FILE: tenantsFile,
      KUBECONFIG: kubeconfig,
      PORT: '0',
      ADMIN_PORT: '0',
      HOST: '127.0.0.1',
      IP_CONNECTS_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const stderrMatches = (pattern: RegExp, count: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const g = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      const seen = (): number => stderr.match(g)?.length ?? 0;
      const check = (): void => {
        if (seen() < count) return;
        child.stderr.off('data', check);
        child.off('exit', gone);
        resolve(seen());
      };
      const gone = (): void => {
        child.stderr.off('data', check);
        reject(new Error(`the broker exited with ${seen()} of ${count} stderr lines matching ${pattern}`));
      };
      child.stderr.on('data', check);
      child.once('exit', gone);
      check();
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ports = await new Promise<{ port: number; adminPort: number }>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          logs.push(rec);
          if (rec['event'] === 'broker.listening')
            resolve({ port: rec['port'] as number, adminPort: rec['adminPort'] as number });
        } catch {
          // not a log line
        }
      }
    });
    void exited.then((e) => reject(new Error(`broker exited early (${JSON.stringify(e)}): ${stderr}`)));
  });
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  return {
    child,
    ...ports,
    logs,
    stderr: () => stderr,
    stderrMatches,
    exited,
    cleanup,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const exit = await exited;
      cleanup();
      return exit;
    },
  };
}
