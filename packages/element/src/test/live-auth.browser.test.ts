/**
 * The refusal tests run first on purpose: this is the order that exposed the 1006 right after
 * `hello` (issue 8 item 5: a bad token's 4401 socket, a refused foreign-origin upgrade and the demo
 * token POST, then the next session's socket dropped by uWS 20.30's cork epilogue reading freed
 * memory; see packages/broker/src/server/async-upgrade.ts). The sessions after them must connect cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { useLiveBrowser } from './live-stack.js';
import { EVENT_RECORDER } from './static-files.js';
import { events, mountElement, run, statusText, waitForEvent, waitForStatus } from './page-helpers.js';

const WARNING_SECONDS = 3;

const live = useLiveBrowser({ expiringWarningSeconds: WARNING_SECONDS });

/** The demo page without its own session, at `origin` (default: the allowed one). */
async function blankDemo(origin = live.stack.origin): Promise<{ context: BrowserContext; page: Page }> {
  const context = await live.browser.newContext({ viewport: { width: 1100, height: 640 } });
  await context.addInitScript(EVENT_RECORDER);
  const page = await context.newPage();
  // Browser-side errors (a failed WebSocket says why only here) end up in the test output.
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[browser console] ${m.text()}`);
  });
  await page.goto(`${origin}/?autoconnect=0`);
  return { context, page };
}

test('a bad token shows the 4401 message and fires pod-shell-close with 4401', async () => {
  const { context, page } = await blankDemo();
  try {
    const genuine = live.stack.mint();
    const [header, payload] = genuine.split('.');
    // A well-formed JWT whose signature is not the tenant's.
    await mountElement(page, `${header}.${payload}.${'A'.repeat(86)}`);
    const close = await waitForEvent(page, 'pod-shell-close');
    assert.equal(close.detail['code'], 4401);
    const shown = await statusText(page);
    assert.match(shown, /^Session closed\./);
    assert.ok(shown.includes(String(close.detail['message'])), 'the close message is what the status layer shows');
    assert.ok(String(close.detail['message']).length > 0);
    assert.equal((await events(page)).filter((e) => e.type === 'pod-shell-open').length, 0);
    assert.equal(live.stack.broker.sessions.size, 0);

    // An expired token (past the broker's clock tolerance) is refused the same way.
    await mountElement(page, live.stack.mint({ ttlSeconds: 60, issuedAt: Date.now() - 180_000 }));
    const second = await waitForEvent(page, 'pod-shell-close', 1);
    assert.equal(second.detail['code'], 4401);
    assert.ok((await statusText(page)).includes(String(second.detail['message'])));
    assert.equal(live.stack.broker.sessions.size, 0);
  } finally {
    await context.close();
  }
});

test('a page on an origin the tenant does not allow never gets a session', async () => {
  const { context, page } = await blankDemo(live.stack.foreignOrigin);
  try {
    await mountElement(page, live.stack.mint());
    const close = await waitForEvent(page, 'pod-shell-close');
    assert.equal(close.detail['code'], 1006, 'the upgrade was refused with HTTP 403: the socket never opened');
    assert.match(await statusText(page), /refused this page/);
    assert.equal((await events(page)).filter((e) => e.type === 'pod-shell-open').length, 0);
    assert.equal(live.stack.broker.sessions.size, 0);
    assert.ok(live.stack.broker.gauges.allZero());
    // The demo token endpoint refuses that origin too.
    const minted = await page.evaluate(async () => {
      const res = await fetch('/demo/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ namespace: 'default', pod: 'demo', container: 'shell' }),
      });
      return res.status;
    });
    assert.equal(minted, 403);
  } finally {
    await context.close();
  }
});

test('the demo token endpoint mints only for listed pods, from the demo origin, as JSON', async () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${live.stack.origin}/demo/token`, {
      method: 'POST',
      headers: { origin: live.stack.origin, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const ok = await post({ namespace: 'default', pod: 'demo', container: 'shell' });
  assert.equal(ok.status, 200);
  const minted = (await ok.json()) as { token: string; expiresAt: number };
  assert.match(minted.token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.ok(minted.expiresAt - Date.now() <= 300_000 + 1000, 'a short-lived token');
  assert.equal((await post({ namespace: 'default', pod: 'not-there', container: 'shell' })).status, 403);
  assert.equal((await post({ namespace: 'default', pod: 'demo', container: 'other' })).status, 403);
  assert.equal((await post({ namespace: 'kube-system', pod: 'demo', container: 'shell' })).status, 403);
  assert.equal(
    (await post({ namespace: 'default', pod: 'demo', container: 'shell' }, { origin: 'https://evil.example' })).status,
    403,
  );
  assert.equal(
    (await post('namespace=default&pod=demo', { 'content-type': 'application/x-www-form-urlencoded' })).status,
    415,
  );
  assert.equal((await post('x'.repeat(5000))).status, 400);
});

test('an expiring token shows the warning, fires pod-shell-expiring, then closes with 4408', async () => {
  const { context, page } = await blankDemo();
  try {
    await mountElement(page, live.stack.mint({ ttlSeconds: WARNING_SECONDS + 5 }));
    await waitForStatus(page, 'connected');
    const open = await waitForEvent(page, 'pod-shell-open');
    const expiresAt = Number(open.detail['expiresAt']);
    const expiring = await waitForEvent(page, 'pod-shell-expiring', 0, 20_000);
    assert.equal(expiring.detail['at'], expiresAt);
    assert.match(await statusText(page), /Session expires in \d s\./);
    const close = await waitForEvent(page, 'pod-shell-close', 0, 20_000);
    assert.equal(close.detail['code'], 4408);
    assert.ok(close.at >= expiresAt - 50, 'not closed before the token expired');
    const shown = await statusText(page);
    assert.match(shown, /^Session closed\./);
    assert.ok(shown.includes(String(close.detail['message'])));
    assert.match(shown, /Reconnect$/);
  } finally {
    await context.close();
  }
});

test('a fresh token set before expiry keeps the same shell', async () => {
  const { context, page } = await blankDemo();
  try {
    await mountElement(page, live.stack.mint({ ttlSeconds: WARNING_SECONDS + 5 }));
    await waitForStatus(page, 'connected');
    const open = await waitForEvent(page, 'pod-shell-open');
    const firstExpiry = Number(open.detail['expiresAt']);
    await run(page, 'KEPT=still-$((20+1)); echo set-$((1+1))', /^set-2$/m);
    await waitForEvent(page, 'pod-shell-expiring', 0, 20_000);
    const fresh = live.stack.mint({ ttlSeconds: 600 });
    await page.evaluate((t) => {
      document.querySelector('pod-shell')!.token = t;
    }, fresh);
    const extended = await waitForEvent(page, 'pod-shell-extended');
    assert.ok(Number(extended.detail['expiresAt']) > firstExpiry + 500_000);
    assert.equal(await statusText(page), '', 'the warning is gone');
    // Outlive the first token (nothing to await: the point is that nothing happens).
    await page.waitForTimeout(Math.max(0, firstExpiry - Date.now()) + 1500);
    await run(page, 'echo "kept=$KEPT"', /^kept=still-21$/m);
    assert.equal((await events(page)).filter((e) => e.type === 'pod-shell-close').length, 0);
    assert.equal((await events(page)).filter((e) => e.type === 'pod-shell-open').length, 1, 'one session throughout');
  } finally {
    await context.close();
  }
});
