/**
 * An image without a shell, in real Chromium against the real broker and kube-sim: with the demo
 * tenant's debug-container fallback, opening team-a/distroless-0 lands in a debug container whose `ps`
 * shows the target's process, and the element says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useLiveBrowser } from './live-stack.js';
import { EVENT_RECORDER } from './static-files.js';
import { mountElement, run, statusText, waitForEvent, waitForStatus } from './page-helpers.js';

const live = useLiveBrowser();

test('distroless-0 opens in a debug container: the element says so and ps shows the target process', async () => {
  const context = await live.browser.newContext({ viewport: { width: 1100, height: 640 } });
  await context.addInitScript(EVENT_RECORDER);
  const page = await context.newPage();
  try {
    await page.goto(`${live.stack.origin}/?autoconnect=0`);
    await mountElement(page, live.stack.mint({ namespace: 'team-a', pod: 'distroless-0', container: 'app' }));
    await waitForStatus(page, 'connected');
    const open = await waitForEvent(page, 'pod-shell-open');
    const debug = open.detail['debugContainer'] as { name: string; targetContainer: string };
    assert.match(debug.name, /^pod-shell-debug-[0-9a-f]{10}-\d+$/);
    assert.equal(debug.targetContainer, 'app');
    assert.match(
      await statusText(page),
      new RegExp(
        `^This image has no shell: you are in debug container ${debug.name} \\(image busybox:1\\.36\\.1, sharing the processes of container app\\)\\.$`,
      ),
    );
    const target = live.stack.sim.stats().processes.find((p) => p.pod === 'distroless-0' && p.container === 'app');
    assert.ok(target?.pid);
    await run(page, 'ps -e -o pid= | grep -cx " *' + target.pid + '"', /^1$/m);
  } finally {
    await context.close();
  }
  // The element is gone: the debug shell ends (stdinOnce) and every broker gauge returns to 0.
  const deadline = Date.now() + 10_000;
  while (
    !live.stack.broker.gauges.allZero() ||
    live.stack.broker.sessions.size > 0 ||
    live.stack.sim.stats().processes.some((p) => p.container.startsWith('pod-shell-debug-'))
  ) {
    if (Date.now() > deadline)
      assert.fail(
        `not released: ${JSON.stringify(live.stack.broker.gauges.snapshot())}, sessions ${live.stack.broker.sessions.size}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
});
