/**
 * Observers in real Chromium against the real broker and kube-sim (issue 12 item 4): a second page
 * with `<pod-shell observe>` and an observer token watches the owner's shell read-only; the owner's
 * element reports the watcher count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mintToken } from '@pod-shell/broker';
import { useLiveBrowser } from './live-stack.js';
import { EVENT_RECORDER } from './static-files.js';
import {
  bufferText,
  mountElement,
  run,
  typeInTerminal,
  waitForEvent,
  waitForStatus,
  waitForText,
} from './page-helpers.js';

const live = useLiveBrowser({ observers: true });

test('a watcher page sees what the owner types, its typing goes nowhere, and the owner gets pod-shell-observers', async () => {
  const context = await live.browser.newContext({ viewport: { width: 1000, height: 600 } });
  await context.addInitScript(EVENT_RECORDER);
  const owner = await context.newPage();
  const watcher = await context.newPage();
  try {
    await owner.goto(`${live.stack.origin}/`);
    await waitForStatus(owner, 'connected');
    const open = await waitForEvent(owner, 'pod-shell-open');
    await run(owner, 'echo "[before-$((6*7))]"', /^\[before-42\]$/m);

    await watcher.goto(`${live.stack.origin}/?autoconnect=0`);
    const token = mintToken({
      tenant: live.stack.tenant,
      sub: 'watcher',
      observe: String(open.detail['session']),
      ttlSeconds: 300,
    });
    await mountElement(watcher, token, { observe: '' });
    await waitForStatus(watcher, 'connected');
    await waitForText(watcher, /\[before-42\]/); // the recent output, before it attached
    assert.equal((await waitForEvent(owner, 'pod-shell-observers')).detail['count'], 1);

    await typeInTerminal(watcher, 'echo from-watcher\r');
    await run(owner, 'echo "[live-$((5*5))]"', /^\[live-25\]$/m);
    await waitForText(watcher, /\[live-25\]/);
    assert.equal(live.stack.broker.gauges.value('observers'), 1);
    assert.doesNotMatch(await bufferText(owner), /from-watcher/);

    // The watcher leaves: the owner is told 0; the owner ends the session: every gauge back to 0.
    await watcher.evaluate(() => document.querySelector('pod-shell')!.remove());
    assert.equal((await waitForEvent(owner, 'pod-shell-observers', 1)).detail['count'], 0);
    await owner.evaluate(() => document.querySelector('pod-shell')!.remove());
    const deadline = Date.now() + 10_000;
    while (!live.stack.broker.gauges.allZero() || live.stack.broker.sessions.size > 0) {
      if (Date.now() > deadline) assert.fail(`gauges: ${JSON.stringify(live.stack.broker.gauges.snapshotAll())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await context.close();
  }
});
