/**
 * The demo page, in real Chromium, against the real broker and kube-sim (real shells in real
 * PTYs): what a user sees when they type, resize, print CJK, flood the terminal and leave.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { useLiveBrowser } from './live-stack.js';
import { EVENT_RECORDER } from './static-files.js';
import {
  bufferText,
  cellWidthsOf,
  gridSize,
  run,
  typeInTerminal,
  waitForEvent,
  waitForStatus,
  waitForText,
} from './page-helpers.js';

const live = useLiveBrowser();

/** Opens the demo page; it mints a token through POST /demo/token and connects to default/demo. */
async function openDemo(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await live.browser.newContext({ viewport: { width: 1200, height: 720 } });
  await context.addInitScript(EVENT_RECORDER);
  const page = await context.newPage();
  // Browser-side errors (a failed WebSocket says why only here) end up in the test output.
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[browser console] ${m.text()}`);
  });
  await page.goto(`${live.stack.origin}/`);
  await waitForStatus(page, 'connected');
  await waitForText(page, /[#$] $/m); // the prompt
  return { context, page };
}

/** Polls the broker's resource gauges (no event exists for "all released") until all are zero. */
async function gaugesReturnToZero(ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!live.stack.broker.gauges.allZero() || live.stack.broker.sessions.size > 0) {
    if (Date.now() > deadline)
      assert.fail(
        `gauges did not return to zero: ${JSON.stringify(live.stack.broker.gauges.snapshot())}, sessions ${live.stack.broker.sessions.size}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('typing echo $((6*7)) shows 42', async () => {
  const { context, page } = await openDemo();
  try {
    await run(page, 'echo $((6*7))', /^42$/m);
    const open = await waitForEvent(page, 'pod-shell-open');
    assert.deepEqual(open.detail['target'], { namespace: 'default', pod: 'demo', container: 'shell' });
    assert.ok(Number(open.detail['expiresAt']) > Date.now());
  } finally {
    await context.close();
  }
  await gaugesReturnToZero();
});

test("the PTY's size follows the container: stty size equals xterm's rows and cols", async () => {
  const { context, page } = await openDemo();
  try {
    const initial = await gridSize(page);
    // The first size reached the PTY before the first prompt: no resize was needed to get it right.
    const first = await run(page, 'echo "size=$(stty size)"', /size=\d+ \d+/);
    assert.equal(first, `size=${initial.rows} ${initial.cols}`);

    for (const [width, height] of [
      [560, 300],
      [900, 520],
    ] as const) {
      const before = await gridSize(page);
      await page.evaluate(
        ([w, h]) => {
          const stage = document.getElementById('stage')!;
          stage.style.flex = 'none';
          stage.style.width = `${w}px`;
          stage.style.height = `${h}px`;
        },
        [width, height] as const,
      );
      await page.waitForFunction(
        ([c, r]) => {
          const t = document.querySelector('pod-shell')!.terminal!;
          return t.cols !== c || t.rows !== r;
        },
        [before.cols, before.rows] as const,
        { timeout: 5000, polling: 50 },
      );
      const size = await gridSize(page);
      await typeInTerminal(page, 'clear\r');
      const got = await run(page, `echo "size-${width}=$(stty size)"`, new RegExp(`size-${width}=\\d+ \\d+`));
      assert.equal(got, `size-${width}=${size.rows} ${size.cols}`);
    }
  } finally {
    await context.close();
  }
  await gaugesReturnToZero();
});

test("printf '中文' renders as two double-width cells, also when stdout is split inside the characters", async () => {
  const { context, page } = await openDemo();
  try {
    await run(page, 'printf \'%s\\n\' "cjk-$((1+1)):中文"', /cjk-2:中文/);
    let { cells, found } = await cellWidthsOf(page, '中文');
    assert.ok(found);
    assert.deepEqual(cells.slice(0, 4), [
      ['中', 2],
      ['', 0],
      ['文', 2],
      ['', 0],
    ]);

    // Every stdout frame now carries at most one byte: each 3-byte character arrives in 3 frames.
    live.stack.sim.setFaults({ splitStdoutEvery: 1 });
    try {
      await typeInTerminal(page, 'clear\r');
      await run(page, "printf 'split-%s:中文\\n' $((2+3))", /split-5:中文/);
      ({ cells, found } = await cellWidthsOf(page, '中文'));
      assert.ok(found);
      assert.deepEqual(cells.slice(0, 4), [
        ['中', 2],
        ['', 0],
        ['文', 2],
        ['', 0],
      ]);
      assert.doesNotMatch(await bufferText(page), /\uFFFD/, 'no replacement characters anywhere');
    } finally {
      live.stack.sim.setFaults({});
    }
  } finally {
    await context.close();
  }
  await gaugesReturnToZero();
});

test('a 50 MB flood keeps the page responsive (timers on time within 100 ms) and Ctrl-C stops it', async (t) => {
  const { context, page } = await openDemo();
  try {
    await page.evaluate(() => {
      const w = window as unknown as { __lateness: number; __ticks: number; __stopTimer: () => void };
      w.__lateness = 0;
      w.__ticks = 0;
      let last = performance.now();
      const id = setInterval(() => {
        const now = performance.now();
        w.__lateness = Math.max(w.__lateness, now - last - 20);
        w.__ticks++;
        last = now;
      }, 20);
      w.__stopTimer = () => clearInterval(id);
    });
    // If Ctrl-C did not stop it, head would finish and the shell would print END-42.
    await typeInTerminal(page, 'yes | head -c 50000000; echo END-$((40+2))\r');
    // Polls read only the last rows: reading the whole 5,000-row buffer every 50 ms would load the page under test.
    await waitForText(page, /^y\ny\ny\n/m, 10_000, 'pod-shell', 60);
    // Let the flood run long enough to fill every buffer on the way (two seconds of y's).
    const floodStart = Date.now();
    await page.waitForFunction(() => (window as unknown as { __ticks: number }).__ticks >= 100, undefined, {
      timeout: 15_000,
      polling: 100,
    });
    await page.keyboard.press('Control+c');
    const stoppedAt = Date.now();
    await typeInTerminal(page, 'echo AFTER-$((1+1))\r');
    await waitForText(page, /^AFTER-2$/m, 20_000, 'pod-shell', 60);
    const recoveredMs = Date.now() - stoppedAt;
    const { lateness, ticks } = await page.evaluate(() => {
      const w = window as unknown as { __lateness: number; __ticks: number; __stopTimer: () => void };
      w.__stopTimer();
      return { lateness: w.__lateness, ticks: w.__ticks };
    });
    const text = await bufferText(page);
    t.diagnostic(
      `max timer lateness ${lateness.toFixed(1)} ms over ${ticks} ticks; prompt back ${recoveredMs} ms after Ctrl-C`,
    );
    assert.doesNotMatch(text, /^END-42$/m, 'the flood was interrupted, not finished');
    assert.ok(lateness < 100, `a 20 ms page timer was late by ${lateness.toFixed(0)} ms during the flood`);
    assert.ok(ticks > (Date.now() - floodStart) / 20 / 2, `the timer kept firing (${ticks} ticks)`);
    assert.ok(recoveredMs < 15_000, `the prompt came back ${recoveredMs} ms after Ctrl-C`);
  } finally {
    await context.close();
  }
  await gaugesReturnToZero();
});

test('removing the element ends the session: the socket closes, the shell ends, every gauge returns to 0', async () => {
  const { context, page } = await openDemo();
  try {
    await run(page, 'echo alive-$((3*3))', /^alive-9$/m);
    assert.equal(live.stack.broker.sessions.size, 1);
    assert.ok(!live.stack.broker.gauges.allZero());
    const processesBefore = live.stack.sim.stats().processes.length;
    assert.ok(processesBefore >= 1, 'the shell runs in kube-sim');
    await page.evaluate(() => document.querySelector('pod-shell')!.remove());
    await gaugesReturnToZero();
    const deadline = Date.now() + 10_000;
    while (live.stack.sim.stats().processes.length > 0 || live.stack.sim.stats().openExecStreams > 0) {
      if (Date.now() > deadline) assert.fail(`kube-sim still runs ${JSON.stringify(live.stack.sim.stats().processes)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The page itself stays usable: no errors, and no close event (the host removed it on purpose).
    assert.equal(
      await page.evaluate(
        () =>
          (window as unknown as { __events: { type: string }[] }).__events.filter((e) => e.type === 'pod-shell-close')
            .length,
      ),
      0,
    );
  } finally {
    await context.close();
  }
});
