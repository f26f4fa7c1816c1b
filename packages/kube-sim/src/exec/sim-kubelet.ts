import type { Faults } from '../faults.js';
import type { ClusterStore, StoredPod } from '../fixtures/store.js';
import type { ContainerFixture, ContainerState } from '../fixtures/types.js';
import { MissingBinaryError } from '../process/errors.js';
import type { ExecProcess } from '../process/exec-process.js';
import type { ProcessTable } from '../process/process-table.js';
import type { ProcessLauncher } from '../process/spawn-exec-process.js';
import { AttachedProcess, type MainProcess } from './attached-process.js';
import { DEFAULT_COLS, DEFAULT_ROWS } from './exec-session.js';
import { faultsFor } from './fault-scope.js';

/** How often a held ephemeral container (fault `ephemeralContainers: 'hold'`) checks whether it may start. */
const HOLD_POLL_MS = 50;

/** How much of an ephemeral container's output kube-sim keeps as its log. */
export const LOG_LIMIT_BYTES = 1024 * 1024;

function appendLog(log: Buffer[], data: Buffer): void {
  log.push(Buffer.from(data));
  let total = log.reduce((n, b) => n + b.length, 0);
  while (total > LOG_LIMIT_BYTES && log.length > 1) total -= log.shift()!.length;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The simulated kubelet for containers the API adds (ephemeral containers): when one appears in a pod
 * it starts the container's main process on this host (no image: the host's programs), reports
 * waiting → running → terminated in the pod status, and serves `attach` to that process.
 *
 * Process namespace sharing (`targetContainerName`) is simulated, not isolated: every container
 * process runs on this host, so the debug shell sees the target's processes; when the target has a
 * fixture `command` (its main process), it is started first so there is something to see.
 */
export class SimKubelet {
  readonly #store: ClusterStore;
  readonly #launcher: ProcessLauncher;
  readonly #table: ProcessTable;
  readonly #mains = new Map<string, MainProcess>();
  readonly #starting = new Set<string>();
  readonly #stop: () => void;
  readonly #faults: () => Faults;
  readonly #holdTimers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(store: ClusterStore, launcher: ProcessLauncher, table: ProcessTable, faults: () => Faults = () => ({})) {
    this.#faults = faults;
    this.#store = store;
    this.#launcher = launcher;
    this.#table = table;
    this.#stop = store.onChange((change) => this.#sync(change.stored));
  }

  /** An attach stream for the container's main process, or undefined when it has none running. */
  attach(namespace: string, pod: string, container: string, stdin: boolean): AttachedProcess | undefined {
    const main = this.#mains.get(`${namespace}/${pod}/${container}`);
    return main === undefined ? undefined : new AttachedProcess(main, stdin);
  }

  /** Stops reacting to changes; the processes themselves die with the process table (killAll). */
  close(): void {
    this.#closed = true;
    this.#stop();
    for (const t of this.#holdTimers) clearTimeout(t);
    this.#holdTimers.clear();
  }

  #sync(stored: StoredPod): void {
    for (const c of stored.pod.ephemeralContainers) {
      const key = `${stored.pod.namespace}/${stored.pod.name}/${c.name}`;
      if (c.api?.state.kind !== 'waiting' || this.#starting.has(key) || this.#mains.has(key)) continue;
      this.#starting.add(key);
      // Asynchronously, like a kubelet reacting to the pod update after the PATCH was answered.
      setImmediate(() => this.#startEphemeral(stored, c, key));
    }
  }

  #setState(stored: StoredPod, c: ContainerFixture, state: ContainerState): void {
    if (this.#closed) return;
    this.#store.updatePod(stored, () => {
      c.api!.state = state;
      c.running = state.kind === 'running';
    });
  }

  #startEphemeral(stored: StoredPod, c: ContainerFixture, key: string): void {
    if (this.#closed) return;
    const api = c.api!;
    const fault = faultsFor(this.#faults(), stored.pod.name).ephemeralContainers;
    if (fault === 'pull-error') {
      this.#starting.delete(key);
      const message = `failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": not found`;
      if (api.state.kind !== 'waiting' || api.state.reason !== 'ErrImagePull')
        this.#setState(stored, c, { kind: 'waiting', reason: 'ErrImagePull', message });
      return;
    }
    if (fault === 'hold') {
      const timer = setTimeout(() => {
        this.#holdTimers.delete(timer);
        this.#startEphemeral(stored, c, key);
      }, HOLD_POLL_MS);
      this.#holdTimers.add(timer);
      return;
    }
    this.#starting.delete(key);
    const target = stored.pod.containers.find((t) => t.name === api.targetContainerName);
    if (target?.command !== undefined) this.#startTargetMain(stored, target);
    let proc: ExecProcess;
    try {
      proc = this.#launcher.start({
        pod: stored.pod,
        container: c,
        command: api.argv,
        stdin: api.stdin,
        stdout: true,
        stderr: true,
        tty: api.tty,
        cols: DEFAULT_COLS,
        rows: DEFAULT_ROWS,
      });
    } catch (err) {
      const what =
        err instanceof MissingBinaryError
          ? `exec: "${err.binary}": executable file not found in $PATH`
          : (err as Error).message;
      const at = now();
      const message = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${what}: unknown`;
      this.#setState(stored, c, {
        kind: 'terminated',
        exitCode: 128,
        reason: 'StartError',
        message,
        startedAt: '1970-01-01T00:00:00Z',
        finishedAt: at,
      });
      return;
    }
    const startedAt = now();
    this.#register(key, stored, c, proc, api.argv, api.tty, (exitCode) => {
      this.#setState(stored, c, {
        kind: 'terminated',
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt,
        finishedAt: now(),
      });
    });
    this.#setState(stored, c, { kind: 'running', startedAt });
  }

  /** The target container's main process (fixture `command`), started once, kept until the simulator closes. */
  #startTargetMain(stored: StoredPod, target: ContainerFixture): void {
    const key = `${stored.pod.namespace}/${stored.pod.name}/${target.name}`;
    if (this.#mains.has(key) || target.command === undefined) return;
    try {
      const proc = this.#launcher.start({
        pod: stored.pod,
        container: target,
        command: target.command,
        stdin: false,
        stdout: true,
        stderr: true,
        tty: false,
        cols: DEFAULT_COLS,
        rows: DEFAULT_ROWS,
      });
      this.#register(key, stored, target, proc, target.command, false, () => undefined);
    } catch {
      // A fixture command that cannot start leaves the target without a main process to see.
    }
  }

  #register(
    key: string,
    stored: StoredPod,
    c: ContainerFixture,
    proc: ExecProcess,
    argv: string[],
    tty: boolean,
    onExit: (exitCode: number) => void,
  ): void {
    let stdinClosed = false;
    const main: MainProcess = {
      process: proc,
      attached: new Set(),
      // stdinOnce: the runtime closes the container's stdin after the first attach with stdin. On pipes
      // that is EOF; on a TTY the console's input goes away, which kube-sim renders as a hangup (SIGHUP).
      detached: (stdin) => {
        if (!stdin || stdinClosed || c.api?.stdinOnce !== true) return;
        stdinClosed = true;
        if (tty) proc.kill('SIGHUP');
        else proc.endStdin();
      },
    };
    this.#mains.set(key, main);
    const id = this.#table.add(proc, {
      namespace: stored.pod.namespace,
      pod: stored.pod.name,
      container: c.name,
      command: [...argv],
      tty,
    });
    // Like a runtime, the output goes to the container log (ephemeral containers) whether or not anyone is attached.
    proc.onOutput((stream, data) => {
      if (c.api !== undefined) appendLog(c.api.log, data);
      for (const a of [...main.attached]) a.deliver(stream, data);
    });
    proc.onEnd((end) => {
      this.#table.ended(id);
      this.#mains.delete(key);
      for (const a of [...main.attached]) a.mainEnded();
      onExit(end.kind === 'exit' ? end.exitCode : 128);
    });
  }
}
