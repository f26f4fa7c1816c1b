/**
 * File transfer in real Chromium against the real broker and kube-sim: files dropped on the terminal
 * go up after the destination prompt with a live progress bar (bytes, rate) and typed events, arrive
 * byte-exact in the container; Cancel leaves nothing behind; the download action brings a file back
 * byte-exact; `no-upload` / `no-download` remove both features. Uploads are throttled to 4 MB/s with
 * Chromium's network emulation so the bar is visibly in flight. Every broker gauge ends at 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { useLiveBrowser } from './live-stack.js';
import { ELEMENT_ROOT, EVENT_RECORDER } from './static-files.js';
import { events, mountElement, waitForEvent, waitForStatus } from './page-helpers.js';

const SIZE = 12 * 1024 * 1024;

const live = useLiveBrowser();

/** Drops `count` files of SIZE pseudo-random bytes (seeded) on the element; returns their sha256s. */
async function dropFiles(page: Page, names: string[]): Promise<string[]> {
  return page.evaluate(
    async ([names, size]) => {
      const dt = new DataTransfer();
      const sums: string[] = [];
      let seed = 1234567;
      for (const name of names) {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i += 4) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          bytes[i] = seed & 255;
          bytes[i + 1] = (seed >>> 8) & 255;
          bytes[i + 2] = (seed >>> 16) & 255;
          bytes[i + 3] = seed >>> 24;
        }
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        sums.push([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''));
        dt.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
      }
      const base = document.querySelector('pod-shell')!.shadowRoot!.querySelector('.base')!;
      for (const type of ['dragenter', 'dragover'])
        base.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, composed: true, cancelable: true }));
      (window as unknown as { __dropZone: boolean }).__dropZone = false;
      await new Promise((r) => requestAnimationFrame(r));
      (window as unknown as { __dropZone: boolean }).__dropZone =
        document.querySelector('pod-shell')!.shadowRoot!.querySelector('[part="drop-zone"]') !== null;
      base.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, composed: true, cancelable: true }));
      return sums;
    },
    [names, SIZE] as const,
  );
}

const part = (page: Page, name: string) => page.locator(`pod-shell [part="${name}"]`);
const textOf = async (page: Page, name: string): Promise<string> =>
  (await part(page, name).innerText()).replace(/\s+/g, ' ');

async function throttleUploads(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 4 * 1024 * 1024,
  });
}

/** Resolves once the broker runs no file transfer (an upload's cleanup included). */
async function transfersIdle(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (live.stack.broker.gauges.value('fileTransfers') !== 0) {
    if (Date.now() > deadline) assert.fail('a file transfer is still running');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function brokerIdle(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!live.stack.broker.gauges.allZero() || live.stack.broker.sessions.size > 0) {
    if (Date.now() > deadline) assert.fail(`not released: ${JSON.stringify(live.stack.broker.gauges.snapshotAll())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('drag and drop upload with the destination prompt and a progress bar; cancel; download; byte-exact', async () => {
  const context = await live.browser.newContext({ viewport: { width: 1000, height: 560 }, acceptDownloads: true });
  await context.addInitScript(EVENT_RECORDER);
  const page = await context.newPage();
  try {
    await page.goto(`${live.stack.origin}/?autoconnect=0`);
    await mountElement(page, live.stack.mint());
    await waitForStatus(page, 'connected');
    await throttleUploads(page);

    const [want] = await dropFiles(page, ['dropped.bin']);
    assert.equal(
      await page.evaluate(() => (window as unknown as { __dropZone: boolean }).__dropZone),
      true,
      'the drop hint showed while dragging',
    );
    await part(page, 'transfer-prompt').waitFor();
    assert.match(await textOf(page, 'transfer-prompt'), /Upload dropped\.bin \(12\.6 MB\) to directory/);
    if (process.env['POD_SHELL_SCREENSHOT'] !== undefined)
      await page
        .locator('pod-shell')
        .screenshot({ path: join(ELEMENT_ROOT, '..', '..', 'docs', 'images', 'file-transfer-prompt.png') });
    await part(page, 'transfer-confirm').click();
    const bar = part(page, 'transfer-progress');
    await bar.waitFor();
    await waitForEvent(page, 'pod-shell-transfer-progress', 1, 15_000);
    assert.match(
      await textOf(page, 'transfer-progress'),
      /Uploading dropped\.bin: [\d.]+ (kB|MB) of 12\.6 MB · [\d.]+ (kB|MB)\/s/,
    );
    assert.ok(Number(await part(page, 'progress-bar').getAttribute('value')) > 0);
    if (process.env['POD_SHELL_SCREENSHOT'] !== undefined)
      await page
        .locator('pod-shell')
        .screenshot({ path: join(ELEMENT_ROOT, '..', '..', 'docs', 'images', 'file-transfer.png') });
    const end = await waitForEvent(page, 'pod-shell-transfer-end', 0, 30_000);
    assert.equal(end.detail['ok'], true, JSON.stringify(end.detail));
    const home = String(end.detail['dir']);
    assert.deepEqual(end.detail['names'], ['dropped.bin']);
    assert.equal(
      createHash('sha256')
        .update(readFileSync(join(home, 'dropped.bin')))
        .digest('hex'),
      want,
    );
    const progress = (await events(page)).filter(
      (e) => e.type === 'pod-shell-transfer-progress' && e.detail['direction'] === 'upload',
    );
    assert.ok(progress.length >= 3, `progress events: ${progress.length}`);
    const loaded = progress.map((e) => Number(e.detail['loaded']));
    assert.deepEqual(
      loaded,
      [...loaded].sort((a, b) => a - b),
      'loaded only grows',
    );
    assert.equal(loaded.at(-1), SIZE);
    assert.ok(progress.every((e) => Number(e.detail['rate']) >= 0 && e.detail['total'] === SIZE));
    await transfersIdle();

    // Two files go up as one tar; Cancel while in flight leaves nothing in the container.
    await dropFiles(page, ['a.bin', 'b.bin']);
    await part(page, 'transfer-confirm').click();
    await waitForEvent(page, 'pod-shell-transfer-progress', progress.length + 1, 15_000);
    await part(page, 'transfer-cancel').click();
    const cancelled = await waitForEvent(page, 'pod-shell-transfer-end', 1, 15_000);
    assert.equal(cancelled.detail['cancelled'], true);
    assert.match(await textOf(page, 'transfer-result'), /cancelled/);
    await transfersIdle();
    assert.equal(existsSync(join(home, 'a.bin')), false);
    assert.deepEqual(
      readdirSync(home).filter((n) => n.startsWith('.pod-shell-upload-')),
      [],
    );

    // The download action brings the first file back.
    await part(page, 'transfer-dismiss').click();
    await part(page, 'download-button').click();
    await page.locator('pod-shell [part="transfer-prompt"] input').fill('dropped.bin');
    const [download] = await Promise.all([page.waitForEvent('download'), part(page, 'transfer-confirm').click()]);
    assert.equal(download.suggestedFilename(), 'dropped.bin');
    const saved = await download.path();
    assert.equal(createHash('sha256').update(readFileSync(saved)).digest('hex'), want);
    const down = await waitForEvent(page, 'pod-shell-transfer-end', 2, 15_000);
    assert.equal(down.detail['ok'], true);
    assert.equal(down.detail['direction'], 'download');
  } finally {
    await context.close();
  }
  await brokerIdle();
});

test('no-upload and no-download turn both features off', async () => {
  const context = await live.browser.newContext({ viewport: { width: 900, height: 500 } });
  await context.addInitScript(EVENT_RECORDER);
  const page = await context.newPage();
  try {
    await page.goto(`${live.stack.origin}/?autoconnect=0`);
    await mountElement(page, live.stack.mint(), { 'no-upload': '', 'no-download': '' });
    await waitForStatus(page, 'connected');
    assert.equal(await part(page, 'download-button').count(), 0);
    await dropFiles(page, ['x.bin']);
    assert.equal(await page.evaluate(() => (window as unknown as { __dropZone: boolean }).__dropZone), false);
    assert.equal(await part(page, 'transfer-prompt').count(), 0);
    const result = await page.evaluate(() =>
      (document.querySelector('pod-shell') as unknown as { download(p: string): Promise<unknown> }).download('x'),
    );
    assert.equal(result, null);
    assert.equal((await events(page)).filter((e) => e.type.startsWith('pod-shell-transfer')).length, 0);
  } finally {
    await context.close();
  }
  await brokerIdle();
});
