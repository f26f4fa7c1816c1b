import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as pty from 'node-pty';
import { kubectlBinary, useKubectlSim } from './kubectl-support.js';
import { Screen } from './pty-screen.js';

/**
 * `kubectl exec -it` under a real pseudo-terminal: kubectl puts its terminal in raw mode, sends the
 * size on channel 4 and again on SIGWINCH, which node-pty's resize() raises.
 */

const t = useKubectlSim();

for (const version of ['1.30', '1.32', '1.33']) {
  describe(`kubectl ${version} exec -it`, () => {
    it('runs an interactive shell whose size follows the terminal', async () => {
      const kubeconfig = t.kubectl.kubeconfigFor(t.sim.adminToken);
      const term = pty.spawn(kubectlBinary(version), ['exec', '-it', 'demo', '--', 'sh'], {
        name: 'xterm-256color',
        cols: 80,
        rows: 24,
        env: { ...t.kubectl.env(kubeconfig), TERM: 'xterm-256color' },
      });
      const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
      const screen = new Screen(term);
      try {
        // The marker is built by the shell, so the echoed input line cannot match it.
        term.write('echo "SIZE=$(stty size)=END"\r');
        await screen.waitFor(/SIZE=24 80=END/);
        const mark = screen.text.length;
        term.resize(100, 30);
        // kubectl forwards the new size asynchronously; ask until the shell sees it.
        const deadline = Date.now() + 10_000;
        let seen = false;
        while (!seen && Date.now() < deadline) {
          const from = screen.text.length;
          term.write('echo "SIZE=$(stty size)=END"\r');
          const m = await screen.waitFor(/SIZE=(\d+ \d+)=END/, from);
          seen = m[1] === '30 100';
        }
        assert.ok(seen, `size never became 30 100: ${JSON.stringify(screen.text.slice(mark))}`);
        term.write('echo "TTY=$(test -t 0 && echo yes)=END"\r');
        await screen.waitFor(/TTY=yes=END/);
        term.write('exit 7\r');
        assert.equal(await exited, 7);
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
