import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerFixture, PodFixture } from '../fixtures/types.js';

/** containerd's default PATH for a container without one in its image config. */
export const DEFAULT_CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The environment an exec'd process sees, as a container runtime builds it: the image/container env,
 * `HOSTNAME` = the pod name (always, it wins over the fixture), `TERM=xterm` when a TTY is allocated
 * (runc/containerd set exactly that), and a PATH. HOME points at the per-container working directory
 * so shells never write history into the simulator host's real home.
 */
export function containerEnv(
  pod: PodFixture,
  container: ContainerFixture,
  tty: boolean,
  workDir: string,
): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_CONTAINER_PATH, HOME: workDir };
  if (tty) env['TERM'] = 'xterm';
  Object.assign(env, container.env);
  env['HOSTNAME'] = podHostname(pod.name);
  return env;
}

/** The kubelet truncates a pod hostname to 63 characters and strips trailing `-`/`.`. */
export function podHostname(podName: string): string {
  return podName.slice(0, 63).replace(/[-.]+$/, '');
}

/** `<workRoot>/<ns>/<pod>/<container>`, created on first use. */
export function containerWorkDir(workRoot: string, pod: PodFixture, container: ContainerFixture): string {
  const dir = join(workRoot, pod.namespace, pod.name, container.name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * How a process gets the pod name as its hostname (`kubectl exec multi -- hostname` must print
 * `multi`). Preferred: its own UTS namespace (`unshare --uts`, needs root / CAP_SYS_ADMIN), in which
 * `hostname` is set before exec, so `hostname`, `uname -n` and `/proc/sys/kernel/hostname` all agree
 * and the host is untouched. Fallback when unshare cannot run: a `hostname` shim that prints
 * $HOSTNAME, put first on PATH (only the `hostname` command lies then, not uname).
 */
export type HostnameStrategy = { kind: 'uts-namespace'; unshare: string } | { kind: 'shim'; binDir: string };

let probed: string | null | undefined;

/** The path of a working `unshare --uts` (util-linux), or null; probed once per simulator process. */
export function utsUnsharePath(): string | null {
  if (probed === undefined) {
    probed = null;
    for (const file of ['/usr/bin/unshare', '/bin/unshare', '/usr/sbin/unshare']) {
      const r = spawnSync(file, ['--uts', '--', '/bin/sh', '-c', 'hostname kube-sim-probe'], {
        stdio: 'ignore',
        timeout: 5000,
      });
      if (r.status === 0) {
        probed = file;
        break;
      }
    }
  }
  return probed;
}

/** Set KUBE_SIM_HOSTNAME_SHIM=1 to force the PATH shim (e.g. to test it as root). */
export function hostnameStrategy(workRoot: string): HostnameStrategy {
  const unshare = process.env['KUBE_SIM_HOSTNAME_SHIM'] === '1' ? null : utsUnsharePath();
  if (unshare !== null) return { kind: 'uts-namespace', unshare };
  const binDir = join(workRoot, '.kube-sim-bin');
  mkdirSync(binDir, { recursive: true });
  writeFileSync(
    join(binDir, 'hostname'),
    '#!/bin/sh\n# kube-sim shim: the pod name, as a container would report it\nprintf "%s\\n" "$HOSTNAME"\n',
    { mode: 0o755 },
  );
  return { kind: 'shim', binDir };
}

/**
 * Wraps argv so it runs under the strategy. The UTS wrapper is `unshare --uts -- /bin/sh -c
 * 'hostname "$0"; exec "$@"' <host> argv…`: unshare and sh both exec, so the pid is the command's
 * own and argv[0] is unchanged (sh's exec looks it up on the container PATH from `env`, which
 * resolve-command.ts already checked).
 */
export function wrapForHostname(
  strategy: HostnameStrategy,
  argv: string[],
  file: string,
  hostname: string,
  env: Record<string, string>,
): { file: string; args: string[]; env: Record<string, string> } {
  if (strategy.kind === 'uts-namespace') {
    return {
      file: strategy.unshare,
      args: ['--uts', '--', '/bin/sh', '-c', 'hostname -- "$0" 2>/dev/null; exec "$@"', hostname, ...argv],
      env,
    };
  }
  // Shim: the launcher already put the shim first on PATH (withHostnameShim) before resolving argv[0].
  return { file, args: argv.slice(1), env };
}

/** In shim mode, the container PATH with the shim directory first; otherwise `env` unchanged. */
export function withHostnameShim(strategy: HostnameStrategy, env: Record<string, string>): Record<string, string> {
  if (strategy.kind !== 'shim') return env;
  return { ...env, PATH: `${strategy.binDir}:${env['PATH'] ?? DEFAULT_CONTAINER_PATH}` };
}
