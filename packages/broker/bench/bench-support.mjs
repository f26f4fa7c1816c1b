// What the broker benchmarks share: their command-line flags and a kube-sim in its own child process
// (so the simulator's CPU and memory are not counted as the broker's or the client's).
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);

/** `--name N` as a number, or `fallback`. */
export function numberArg(name, fallback) {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

export function hasFlag(name) {
  return argv.includes(name);
}

/** Every `--flag K=V` pair as an environment object. */
export function envArgs(flag) {
  return Object.fromEntries(argv.flatMap((a, i) => (argv[i - 1] === flag ? [a.split(/=(.*)/s).slice(0, 2)] : [])));
}

/**
 * Starts kube-sim (the broker tests' fixture: RBAC for the test tenant's group) in a child process.
 * Resolves to `{ url, adminToken, caCert, kubeconfig, pid, close() }`.
 */
export async function startSimChild() {
  const child = fork(fileURLToPath(new URL('./sim-child.mjs', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const sim = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`kube-sim child exited with ${code} before it was ready`)));
  });
  return {
    ...sim,
    pid: child.pid,
    close: async () => {
      child.send('close');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** The header every broker benchmark prints: what it ran on. */
export function machineInfo(brokerEnv) {
  return { node: process.version, brokerEnv, cpus: cpus().length, cpu: cpus()[0]?.model };
}
