import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import type { KubeSim } from '../http/api-server.js';
import { startKubeSim } from '../kube-sim.js';

/**
 * Locating and running the real kubectl binaries: `kubectl` on PATH with `kubectl.1.27` … `kubectl.1.33`
 * beside its real path (KUBECTL_DIR overrides the directory). Each run gets its own HOME and
 * KUBECONFIG so the discovery cache never leaks between runs or versions.
 */

export function kubectlDir(): string {
  const fromEnv = process.env['KUBECTL_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const onPath = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  if (onPath === '')
    throw new Error('kubectl is not on PATH (set KUBECTL_DIR to the directory holding kubectl.1.30 etc.)');
  return dirname(realpathSync(onPath));
}

/** Path of kubectl `version` (e.g. "1.30"); throws when missing so a test cannot pass without it. */
export function kubectlBinary(version: string): string {
  const p = join(kubectlDir(), `kubectl.${version}`);
  if (!existsSync(p)) throw new Error(`kubectl ${version} not found at ${p}`);
  return p;
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A scratch directory with a kubeconfig for `token` and an empty HOME. */
export class KubectlEnv {
  readonly dir = mkdtempSync(join(tmpdir(), 'kube-sim-kubectl-'));
  private n = 0;

  constructor(private readonly sim: KubeSim) {}

  /** Writes a kubeconfig like the simulator's, carrying `token` instead of the admin token. */
  kubeconfigFor(token: string): string {
    const path = join(this.dir, `kubeconfig-${this.n++}`);
    writeFileSync(path, this.sim.kubeconfig.replace(`token: ${this.sim.adminToken}`, `token: ${token}`), {
      mode: 0o600,
    });
    return path;
  }

  /** A HOME (and so a discovery cache) that several runs may share; fresh unless `name` was used before. */
  home(name?: string): string {
    const home = join(this.dir, name === undefined ? `home-${this.n++}` : `home-shared-${name}`);
    mkdirSync(home, { recursive: true });
    return home;
  }

  /** Environment for one run: own HOME (discovery cache) unless `home` is given, KUBECONFIG, no proxies. */
  env(kubeconfig: string, home = this.home()): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      KUBECONFIG: kubeconfig,
      LANG: 'C.UTF-8',
    };
    return env;
  }

  run(
    version: string,
    args: string[],
    o: { token?: string; input?: string; env?: NodeJS.ProcessEnv; home?: string } = {},
  ): Promise<KubectlResult> {
    const kubeconfig = o.token === undefined ? this.kubeconfigFor(this.sim.adminToken) : this.kubeconfigFor(o.token);
    const env = { ...this.env(kubeconfig, o.home), ...(o.env ?? {}) };
    return runProcess(kubectlBinary(version), args, env, o.input);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function runProcess(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** A simulator (built-in cluster) and a KubectlEnv for it, started before and closed after the file's tests. */
export interface KubectlSim {
  readonly sim: KubeSim;
  readonly kubectl: KubectlEnv;
}

/** Registers the file-level before/after hooks that every kubectl test file needs; read the fields inside tests. */
export function useKubectlSim(): KubectlSim {
  const ctx = {} as { sim: KubeSim; kubectl: KubectlEnv };
  before(async () => {
    ctx.sim = await startKubeSim();
    ctx.kubectl = new KubectlEnv(ctx.sim);
  });
  after(async () => {
    ctx.kubectl.close();
    await ctx.sim.close();
  });
  return ctx;
}
