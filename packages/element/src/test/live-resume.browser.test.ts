/**
 * Resume in real Chromium against the real broker and kube-sim (issue 12): a page reload within the
 * grace period brings back the same shell — same session, same shell variables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useLiveBrowser } from './live-stack.js';
import { EVENT_RECORDER } from './static-files.js';
import { run, waitForEvent, waitForStatus, waitForText } from './page-helpers.js';

const live = useLiveBrowser({ resumeGraceSeconds: 60 });

/** Polls the broker's gauges (no event exists for "all released"), the grace gauge included, until all are zero. */
async function gaugesReturnToZero(ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!live.stack.broker.gauges.allZero() || live.stack.broker.sessions.size > 0) {
    if (Date.now() > deadline)
      assert.fail(
        `gauges did not return to zero: ${JSON.stringify(live.stack.broker.gauges.snapshotAll())}, sessions ${live.stack.broker.sessions.size}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a reload within the grace period brings back the same shell: a variable set before is still there', async () => {
  const context = await live.browser.newContext({ viewport: { width: 1000, height: 600 } });
  await context.addInitScript(EVENT_RECORDER);
  const page = await context.newPage();
  try {
    await page.goto(`${live.stack.origin}/`);
    await waitForStatus(page, 'connected');
    await waitForText(page, /[#$] $/m);
    const open = await waitForEvent(page, 'pod-shell-open');
    await run(page, 'X=kept-$((6*7)); echo "[$X]"', /^\[kept-42\]$/m);

    await page.reload();
    await waitForStatus(page, 'connected');
    const resumed = await waitForEvent(page, 'pod-shell-resume');
    assert.equal(resumed.detail['session'], open.detail['session']);
    assert.equal(live.stack.broker.sessions.size, 1, 'no second session was opened');
    // The fresh terminal is redrawn from the broker's buffer, then the same shell answers.
    await waitForText(page, /\[kept-42\]/);
    await run(page, 'echo "<$X>"', /^<kept-42>$/m);

    // Removing the element is a close the user chose: the session ends at once, no grace.
    await page.evaluate(() => document.querySelector('pod-shell')!.remove());
    await gaugesReturnToZero();
  } finally {
    await context.close();
  }
});
