import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as pty from 'node-pty';
import { DEFAULT_USER_TOKENS } from '../fixtures/defaults.js';
import { call } from './http-support.js';
import { kubectlBinary, useKubectlSim } from './kubectl-support.js';
import { Screen } from './pty-screen.js';

/**
 * `kubectl debug` against kube-sim with the real kubectl: the strategic merge patch on
 * pods/ephemeralcontainers, the pod watch it waits on, attach to the new container's shell under a
 * real PTY, process namespace sharing with `--target`, and the errors kubectl prints.
 */

const t = useKubectlSim();

interface EphemeralStatus {
  name: string;
  state: { running?: unknown; terminated?: { exitCode: number; reason: string } };
}

async function ephemeralStatus(name: string): Promise<EphemeralStatus | undefined> {
  const pod = (await call(t.sim, '/api/v1/namespaces/team-a/pods/distroless-0')).json() as {
    status: { ephemeralContainerStatuses?: EphemeralStatus[] };
  };
  return pod.status.ephemeralContainerStatuses?.find((s) => s.name === name);
}

function targetPid(): number {
  const main = t.sim.stats().processes.find((p) => p.pod === 'distroless-0' && p.container === 'app');
  assert.ok(main?.pid, 'the target container main process runs');
  return main.pid;
}

/** `kubectl debug -n team-a <pod> --profile=general …args` as the given version (admin unless a token is given). */
function kubectlDebug(version: string, pod: string, args: string[], token?: string) {
  return t.kubectl.run(version, ['debug', '-n', 'team-a', pod, '--profile=general', ...args], { token });
}

for (const version of ['1.30', '1.31', '1.32', '1.33']) {
  describe(`kubectl ${version} debug -it --target`, () => {
    it("attaches to a shell in a new ephemeral container that sees the target container's processes", async () => {
      const kubeconfig = t.kubectl.kubeconfigFor(t.sim.adminToken);
      const term = pty.spawn(
        kubectlBinary(version),
        ['debug', '-it', '-n', 'team-a', 'distroless-0', '--image=busybox', '--target=app', '--', 'sh'],
        {
          name: 'xterm-256color',
          cols: 90,
          rows: 25,
          env: { ...t.kubectl.env(kubeconfig), TERM: 'xterm-256color' },
        },
      );
      const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
      const screen = new Screen(term);
      try {
        const name = (await screen.waitFor(/Defaulting debug container name to (debugger-[a-z0-9]{5})\./))[1]!;
        await screen.waitFor(/If you don't see a command prompt, try pressing enter\./);
        assert.ok((await ephemeralStatus(name))?.state.running, 'the container is running once kubectl attached');
        // The marker is built by the shell, so the echoed input line cannot match it.
        term.write("echo \"PIDS=$(ps -e -o pid= | tr -s ' \\n' ',')=END SIZE=$(stty size)=END\"\r");
        const m = await screen.waitFor(/PIDS=([0-9,]+)=END SIZE=(\d+ \d+)=END/);
        assert.ok(
          m[1]!.split(',').includes(String(targetPid())),
          `ps in the debug shell lists the target's main process ${targetPid()}: ${m[1]}`,
        );
        assert.equal(m[2], '25 90', 'the attached shell took the terminal size kubectl sent');
        term.write('exit 3\r');
        // kubectl attach has no exit code of its own: it ends 0 and says how to reattach.
        assert.equal(await exited, 0);
        await screen.waitFor(
          new RegExp(
            `Session ended, the ephemeral container will not be restarted but may be reattached using 'kubectl attach distroless-0 -c ${name} -i -t' if it is still running`,
          ),
        );
        const status = await ephemeralStatus(name);
        assert.deepEqual([status?.state.terminated?.exitCode, status?.state.terminated?.reason], [3, 'Error']);
        assert.ok(!t.sim.stats().processes.some((p) => p.container === name), 'the debug shell is gone');
      } finally {
        try {
          term.kill();
        } catch {
          // already exited
        }
      }
    });
  });
}

describe('kubectl debug without a terminal', () => {
  it("streams a short command's output (attach, or the container log when it already ended)", async () => {
    const r = await t.kubectl.run('1.32', [
      'debug',
      '-i',
      '-n',
      'team-a',
      'distroless-0',
      '--image=busybox:1.36',
      '--',
      'sh',
      '-c',
      'echo hello-from-debug',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hello-from-debug/);
  });
});

describe('kubectl debug errors', () => {
  it('a user without patch on pods/ephemeralcontainers is forbidden', async () => {
    const r = await kubectlDebug('1.33', 'distroless-0', ['--image=busybox'], DEFAULT_USER_TOKENS.viewer);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^Error from server \(Forbidden\): pods "distroless-0" is forbidden: User "viewer" cannot patch resource "pods\/ephemeralcontainers" in API group "" in the namespace "team-a"$/m,
    );
  });

  it('a missing pod is not found', async () => {
    const r = await kubectlDebug('1.30', 'nope-0', ['--image=busybox']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(NotFound\): pods "nope-0" not found$/m);
  });

  it('a name used by a regular container is a duplicate', async () => {
    const r = await kubectlDebug('1.32', 'distroless-0', ['--image=busybox', '-c', 'app']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^The Pod "distroless-0" is invalid: spec\.ephemeralContainers\[\d+\]\.name: Duplicate value: "app"$/m,
    );
  });

  it('a name used by an existing ephemeral container with another spec is refused', async () => {
    const first = await kubectlDebug('1.32', 'distroless-0', [
      '--image=busybox',
      '-c',
      'dbg-twice',
      '--',
      'sleep',
      '1',
    ]);
    assert.equal(first.code, 0, first.stderr);
    const again = await kubectlDebug('1.32', 'distroless-0', ['--image=alpine', '-c', 'dbg-twice', '--', 'sleep', '1']);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^The Pod "distroless-0" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg-twice" may not be changed$/m,
    );
  });

  it('a target that is not a container of the pod is not found', async () => {
    const r = await kubectlDebug('1.31', 'distroless-0', ['--image=busybox', '--target=nope']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^The Pod "distroless-0" is invalid: spec\.ephemeralContainers\[\d+\]\.targetContainerName: Not found: "nope"$/m,
    );
  });
});
