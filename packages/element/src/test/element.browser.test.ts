/**
 * Element-level tests in real Chromium against a scripted stand-in broker: they pin down what
 * the element itself puts on the wire and shows (ordering, flow frames, refresh, sanitizing,
 * link and window-op policy, disposal). The live tests (live-*.test.ts) run the real broker.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  Channel,
  CLOSE_CODE_MESSAGES,
  POD_SHELL_BEARER_PREFIX,
  POD_SHELL_OBSERVE,
  POD_SHELL_RESUMABLE,
  POD_SHELL_SUBPROTOCOL,
  resumeSubprotocol,
} from '@pod-shell/protocol';
import type {} from '../pod-shell.js';
import { launchChromium } from './chromium.js';
import { startFakeBroker, type FakeBroker, type FakeConnection } from './fake-broker.js';
import {
  cellWidthsOf,
  events,
  gridSize,
  statusText,
  typeInTerminal,
  waitForEvent,
  waitForStatus,
  waitForText,
} from './page-helpers.js';

let browser: Browser;
let broker: FakeBroker;

before(async () => {
  browser = await launchChromium();
  broker = await startFakeBroker();
});

after(async () => {
  await browser?.close();
  await broker?.close();
});

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln';

async function openPage(
  body = `<div id="box"><pod-shell token="${TOKEN}"></pod-shell></div>`,
): Promise<{ context: BrowserContext; page: Page; conn: FakeConnection }> {
  broker.setBody(body);
  const context = await browser.newContext();
  const page = await context.newPage();
  const connection = broker.nextConnection();
  await page.goto(broker.origin);
  const conn = await connection;
  return { context, page, conn };
}

test('offers pod-shell.v1 + the bearer token (+ resumable), and the very first frame is the terminal size', async () => {
  const { context, page, conn } = await openPage();
  try {
    assert.deepEqual(conn.protocols, [
      POD_SHELL_SUBPROTOCOL,
      `${POD_SHELL_BEARER_PREFIX}${TOKEN}`,
      POD_SHELL_RESUMABLE,
    ]);
    assert.equal(conn.origin, broker.origin);
    await conn.until(() => conn.frames.length > 0, 'the first frame');
    const first = conn.frames[0]!;
    assert.equal(first.channel, Channel.Resize, 'the size goes before anything else');
    const size = await gridSize(page);
    assert.deepEqual(JSON.parse(first.text), { Width: size.cols, Height: size.rows });
    // 800x420 box at 14px: far from xterm's 80x24 default, so the fit really happened before open.
    assert.notDeepEqual(size, { cols: 80, rows: 24 });

    conn.hello(Date.now() + 60_000);
    const open = await waitForEvent(page, 'pod-shell-open');
    assert.equal(open.detail['session'], 's-test');
    assert.deepEqual(open.detail['target'], { namespace: 'default', pod: 'demo', container: 'shell' });
    assert.equal(await page.getAttribute('pod-shell', 'status'), 'connected');

    // Keystrokes travel as stdin frames, UTF-8 encoded.
    await typeInTerminal(page, 'ls é\r');
    await conn.until(
      () =>
        Buffer.concat(conn.frames.filter((f) => f.channel === Channel.Stdin).map((f) => f.payload)).toString() ===
        'ls é\r',
      'typed stdin',
    );
  } finally {
    await context.close();
  }
});

test('UTF-8 split across frames renders as whole double-width characters', async () => {
  const { context, page, conn } = await openPage();
  try {
    conn.hello();
    await waitForEvent(page, 'pod-shell-open');
    const bytes = Buffer.from('>中文<\r\n', 'utf8');
    // Cut inside both 3-byte characters.
    for (const [a, b] of [
      [0, 2],
      [2, 5],
      [5, 6],
      [6, bytes.length],
    ] as const)
      conn.sendData(bytes.subarray(a, b));
    await waitForText(page, />中文</);
    const { cells, found } = await cellWidthsOf(page, '中文');
    assert.ok(found);
    assert.deepEqual(cells.slice(0, 4), [
      ['中', 2],
      ['', 0],
      ['文', 2],
      ['', 0],
    ]);
  } finally {
    await context.close();
  }
});

test('every container resize reaches the wire as a resize frame matching the grid', async () => {
  const { context, page, conn } = await openPage();
  try {
    conn.hello();
    await waitForEvent(page, 'pod-shell-open');
    const before = await gridSize(page);
    await page.evaluate(() => {
      const box = document.getElementById('box')!;
      box.style.width = '500px';
      box.style.height = '260px';
    });
    const resize = await conn.until(() => {
      const r = conn.frames.filter((f) => f.channel === Channel.Resize).at(-1);
      const size = r ? (JSON.parse(r.text) as { Width: number; Height: number }) : undefined;
      return size && size.Width !== before.cols ? size : undefined;
    }, 'a second resize frame');
    const after = await gridSize(page);
    assert.deepEqual(resize, { Width: after.cols, Height: after.rows });
    assert.ok(after.cols < before.cols && after.rows < before.rows);
  } finally {
    await context.close();
  }
});

test('a new token while connected is sent in-band (refresh) and the session survives', async () => {
  const { context, page, conn } = await openPage();
  try {
    conn.hello(Date.now() + 10_000);
    await waitForEvent(page, 'pod-shell-open');
    const at = Date.now() + 8_000;
    conn.sendControl({ type: 'expiring', at });
    const expiring = await waitForEvent(page, 'pod-shell-expiring');
    assert.equal(expiring.detail['at'], at);
    assert.match(await statusText(page), /Session expires in [0-9] s\./);

    await page.evaluate(() => {
      document.querySelector('pod-shell')!.token = 'eyJ.new.token';
    });
    const refresh = await conn.until(() => conn.controls().find((c) => c['type'] === 'refresh'), 'a refresh frame');
    assert.deepEqual(refresh, { type: 'refresh', token: 'eyJ.new.token' });
    conn.sendControl({ type: 'extended', expiresAt: at + 3600_000 });
    const extended = await waitForEvent(page, 'pod-shell-extended');
    assert.equal(extended.detail['expiresAt'], at + 3600_000);
    assert.equal(await statusText(page), '', 'the warning is gone');

    // refreshToken(token) does the same; a rejection is shown, not fatal.
    await page.evaluate(() => document.querySelector('pod-shell')!.refreshToken('eyJ.third.token'));
    await conn.until(() => conn.controls().filter((c) => c['type'] === 'refresh').length === 2, 'a second refresh');
    conn.sendControl({ type: 'error', code: 'refresh_rejected', message: 'The new token is for another pod.' });
    const error = await waitForEvent(page, 'pod-shell-error');
    assert.equal(error.detail['message'], 'The new token is for another pod.');
    assert.equal(await page.getAttribute('pod-shell', 'status'), 'connected');
    assert.equal(conn.closed, undefined, 'no reconnect happened');
  } finally {
    await context.close();
  }
});

test('the closing message is shown as text, and the close event carries code, reason, message and exit code', async () => {
  const { context, page, conn } = await openPage();
  try {
    conn.hello();
    await waitForEvent(page, 'pod-shell-open');
    conn.sendData(Buffer.from('bye\r\n'));
    conn.sendData(
      Buffer.from(
        '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
      ),
      Channel.Status,
    );
    const hostile = '<img src=x onerror="window.__pwned=1">\u001b]0;title\u0007 exited';
    conn.closeWith(1000, 'exited', hostile);
    const close = await waitForEvent(page, 'pod-shell-close');
    assert.equal(close.detail['code'], 1000);
    assert.equal(close.detail['reason'], 'exited');
    assert.equal(close.detail['exitCode'], 3);
    assert.equal(close.detail['message'], '<img src=x onerror="window.__pwned=1"> ]0;title exited');
    const status = await statusText(page);
    assert.match(status, /Session closed\.<img src=x onerror="window.__pwned=1"> \]0;title exited\s*Reconnect/);
    const injected = await page.evaluate(() => ({
      img: document.querySelector('pod-shell')!.shadowRoot!.querySelectorAll('img').length,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      title: document.title,
    }));
    assert.deepEqual(injected, { img: 0, pwned: undefined, title: 'pod-shell test' });

    // Reconnect opens a new session with the current token.
    const next = broker.nextConnection();
    await page.evaluate(() =>
      (
        document.querySelector('pod-shell')!.shadowRoot!.querySelector('[part="reconnect-button"]') as HTMLButtonElement
      ).click(),
    );
    const conn2 = await next;
    assert.deepEqual(conn2.protocols, [
      POD_SHELL_SUBPROTOCOL,
      `${POD_SHELL_BEARER_PREFIX}${TOKEN}`,
      POD_SHELL_RESUMABLE,
    ]);
    await conn2.until(() => conn2.frames[0]?.channel === Channel.Resize, 'the reconnect sends its size first');
    conn2.closeWith(4408, 'expired', '');
    const close2 = await waitForEvent(page, 'pod-shell-close', 1);
    assert.equal(close2.detail['code'], 4408);
    assert.equal(
      close2.detail['message'],
      CLOSE_CODE_MESSAGES[4408],
      'an empty broker message falls back to the code message',
    );
  } finally {
    await context.close();
  }
});

test('a token no JWT could be never leaves the page and reports 4401', async () => {
  broker.setBody('<div id="box"><pod-shell token="not a token"></pod-shell></div>');
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    const before = broker.connections.length;
    await page.goto(broker.origin);
    const close = await waitForEvent(page, 'pod-shell-close');
    assert.equal(close.detail['code'], 4401);
    assert.equal(close.detail['message'], CLOSE_CODE_MESSAGES[4401]);
    assert.match(await statusText(page), /access token is missing, invalid or expired/);
    assert.equal(broker.connections.length, before);
  } finally {
    await context.close();
  }
});

test('output is acknowledged as xterm parses it: ack 0 right after the size, then acks adding up to every byte sent', async () => {
  const { context, page, conn } = await openPage();
  try {
    await conn.until(() => conn.frames.length >= 2, 'the size and the opt-in ack');
    assert.equal(conn.frames[0]!.channel, Channel.Resize);
    assert.deepEqual(conn.controls()[0], { type: 'ack', bytes: 0 }, 'the element opts in to the ack window');
    conn.hello();
    await waitForEvent(page, 'pod-shell-open');
    const chunk = Buffer.from('y\r\n'.repeat(10_000));
    for (let i = 0; i < 100; i++) conn.sendData(chunk); // 3 MB at once
    const total = chunk.byteLength * 100;
    const acked = () =>
      conn
        .controls()
        .filter((c) => c['type'] === 'ack')
        .reduce((sum, c) => sum + (c['bytes'] as number), 0);
    await conn.until(() => acked() === total || undefined, `acks adding up to ${total} bytes`, 30_000);
    const acks = conn
      .controls()
      .filter((c) => c['type'] === 'ack')
      .map((c) => c['bytes'] as number);
    assert.ok(acks.length < 200, `acks are batched (${acks.length} acks for 3 MB)`);
    // xterm's per-line scrollbar sync ran once per frame (xterm/viewport-sync.ts) and still ended at the bottom.
    const viewport = await page.evaluate(() => {
      const el = document.querySelector('pod-shell') as unknown as {
        terminalController: { coalescedViewportSync: boolean };
        terminal: { buffer: { active: { viewportY: number; baseY: number } } };
      };
      return {
        coalesced: el.terminalController.coalescedViewportSync,
        viewportY: el.terminal.buffer.active.viewportY,
        baseY: el.terminal.buffer.active.baseY,
      };
    });
    assert.equal(
      viewport.coalesced,
      true,
      "coalesceViewportSync found xterm's Viewport (re-check xtermjs/xterm.js#6106 after an xterm upgrade)",
    );
    assert.equal(viewport.viewportY, viewport.baseY, 'the view follows the output to the bottom');
    const scrolledToBottom = await page.waitForFunction(
      () => {
        const root = document.querySelector('pod-shell')!.shadowRoot!;
        const slider = root.querySelector<HTMLElement>('.xterm .scrollbar.vertical .slider');
        const bar = root.querySelector<HTMLElement>('.xterm .scrollbar.vertical');
        if (!slider || !bar) return false;
        const s = slider.getBoundingClientRect();
        const b = bar.getBoundingClientRect();
        return Math.abs(s.bottom - b.bottom) <= 1;
      },
      undefined,
      { timeout: 5000, polling: 50 },
    );
    assert.ok(await scrolledToBottom.jsonValue(), 'the scrollbar slider reached the bottom once the output stopped');
  } finally {
    await context.close();
  }
});

test('links open only with a modifier click and only for http(s); window ops and OSC 52 do nothing', async () => {
  const { context, page, conn } = await openPage();
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: broker.origin });
    await page.evaluate(() => {
      (window as unknown as { __opened: string[] }).__opened = [];
      window.open = ((url: string) => {
        (window as unknown as { __opened: string[] }).__opened.push(String(url));
        return null;
      }) as typeof window.open;
    });
    await page.evaluate(() => navigator.clipboard.writeText('before'));
    conn.hello();
    await waitForEvent(page, 'pod-shell-open');
    const stdinBefore = conn.frames.filter((f) => f.channel === Channel.Stdin).length;
    conn.sendData(
      Buffer.from(
        'https://example.com/ok\r\n' +
          '\u001b]8;;javascript:window.__pwned=1\u0007CLICKME\u001b]8;;\u0007\r\n' +
          // window title report, size reports, DECRQSS, OSC 52 clipboard write
          '\u001b[21t\u001b[14t\u001b[18t\u001bP$qm\u001b\\\u001b]52;c;cHduZWQ=\u0007\u001b]0;<b>x</b>\u0007done\r\n',
      ),
    );
    await waitForText(page, /done/);
    const cell = await page.evaluate(() => {
      const el = document.querySelector('pod-shell')!;
      const screen = el.terminal!.element!.querySelector('.xterm-screen')!.getBoundingClientRect();
      return {
        x: screen.left,
        y: screen.top,
        w: screen.width / el.terminal!.cols,
        h: screen.height / el.terminal!.rows,
      };
    });
    const at = (col: number, row: number) => ({ x: cell.x + (col + 0.5) * cell.w, y: cell.y + (row + 0.5) * cell.h });
    const link = at(5, 0);
    await page.mouse.move(link.x, link.y);
    await page.mouse.click(link.x, link.y);
    await page.keyboard.down('Control');
    const js = at(2, 1);
    await page.mouse.move(js.x, js.y);
    await page.mouse.click(js.x, js.y);
    await page.mouse.move(link.x, link.y);
    await page.mouse.click(link.x, link.y);
    await page.keyboard.up('Control');
    const opened = await page.waitForFunction(
      () =>
        (window as unknown as { __opened: string[] }).__opened.length > 0 &&
        (window as unknown as { __opened: string[] }).__opened,
      undefined,
      { timeout: 5000 },
    );
    assert.deepEqual(
      await opened.jsonValue(),
      ['https://example.com/ok'],
      'only the modifier click on the http link opened',
    );
    const after = await page.evaluate(async () => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      clipboard: await navigator.clipboard.readText(),
      title: document.title,
    }));
    assert.deepEqual(after, { pwned: undefined, clipboard: 'before', title: 'pod-shell test' });
    await page.waitForTimeout(200); // let any (wrong) report reach the wire before counting
    assert.deepEqual(
      conn.frames
        .filter((f) => f.channel === Channel.Stdin)
        .slice(stdinBefore)
        .map((f) => f.text),
      [],
      'nothing was written back to stdin',
    );
  } finally {
    await context.close();
  }
});

test('removing the element closes its socket with 1000 and disposes the terminal', async () => {
  const { context, page, conn } = await openPage();
  try {
    conn.hello();
    await waitForEvent(page, 'pod-shell-open');
    await page.evaluate(() => {
      const el = document.querySelector('pod-shell')!;
      (window as unknown as { __el: Element }).__el = el;
      el.remove();
    });
    await conn.until(() => conn.closed, 'the socket to close');
    assert.equal(conn.closed!.code, 1000);
    const state = await page.evaluate(() => {
      const el = (window as unknown as { __el: HTMLElementTagNameMap['pod-shell'] }).__el;
      return {
        terminal: el.terminal === undefined,
        xterm: el.shadowRoot!.querySelectorAll('.xterm').length,
        status: el.status,
      };
    });
    assert.deepEqual(state, { terminal: true, xterm: 0, status: 'idle' });
    assert.equal(
      (await events(page)).filter((e) => e.type === 'pod-shell-close').length,
      0,
      'removal is not reported as a broker close',
    );
  } finally {
    await context.close();
  }
});

test('copy on selection, Ctrl+Shift+C copies, Ctrl+Shift+V and right-click paste into stdin', async () => {
  const { context, page, conn } = await openPage();
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: broker.origin });
    conn.hello();
    await waitForEvent(page, 'pod-shell-open');
    conn.sendData(Buffer.from('alpha beta gamma\r\n'));
    await waitForText(page, /gamma/);
    const stdin = () =>
      Buffer.concat(conn.frames.filter((f) => f.channel === Channel.Stdin).map((f) => f.payload)).toString();

    // Selecting copies (a double-click selects a word, as a user would).
    const cell = await page.evaluate(() => {
      const t = document.querySelector('pod-shell')!.terminal!;
      const r = t.element!.querySelector('.xterm-screen')!.getBoundingClientRect();
      return { x: r.left, y: r.top, w: r.width / t.cols, h: r.height / t.rows };
    });
    await page.mouse.dblclick(cell.x + 7.5 * cell.w, cell.y + 0.5 * cell.h);
    await page.waitForFunction(async () => (await navigator.clipboard.readText()) === 'beta', undefined, {
      timeout: 5000,
      polling: 50,
    });

    // Ctrl+Shift+C copies the selection without sending anything (no ^C to the shell).
    await page.evaluate(() => document.querySelector('pod-shell')!.terminal!.select(0, 0, 5));
    await page.evaluate(() => navigator.clipboard.writeText('overwritten'));
    await page.evaluate(() => document.querySelector('pod-shell')!.focus());
    await page.keyboard.press('Control+Shift+C');
    await page.waitForFunction(async () => (await navigator.clipboard.readText()) === 'alpha', undefined, {
      timeout: 5000,
      polling: 50,
    });
    assert.equal(stdin(), '', 'the shortcut is not sent to the shell');

    // Right-click pastes the clipboard as typed input.
    await page.evaluate(() => navigator.clipboard.writeText('pasted-by-right-click'));
    await page.mouse.click(cell.x + 3 * cell.w, cell.y + 3 * cell.h, { button: 'right' });
    await conn.until(() => stdin().includes('pasted-by-right-click'), 'the right-click paste');

    // Ctrl+Shift+V: xterm does not send ^V; the browser's paste event delivers the clipboard.
    await page.evaluate(() => navigator.clipboard.writeText('|via-shortcut'));
    await page.evaluate(() => document.querySelector('pod-shell')!.focus());
    await page.keyboard.press('Control+Shift+V');
    await conn.until(() => stdin().includes('|via-shortcut'), 'the Ctrl+Shift+V paste');
    assert.ok(!stdin().includes('\u0016') && !stdin().includes('\u0003'), 'no ^V or ^C reached the shell');
  } finally {
    await context.close();
  }
});

test('attributes become terminal options; CSS custom properties and theme=auto color it', async () => {
  const body = `<div id="box"><pod-shell token="${TOKEN}" theme="auto" font-size="17" scrollback="123" cursor-style="bar"
    style="--pod-shell-background: rgb(1, 2, 3); --pod-shell-bright-red: #ff0001"></pod-shell></div>`;
  broker.setBody(body);
  const context = await browser.newContext({ colorScheme: 'light' });
  const page = await context.newPage();
  try {
    const next = broker.nextConnection();
    await page.goto(broker.origin);
    await next;
    const read = () =>
      page.evaluate(() => {
        const t = document.querySelector('pod-shell')!.terminal!;
        return {
          fontSize: t.options.fontSize,
          scrollback: t.options.scrollback,
          cursorStyle: t.options.cursorStyle,
          bg: t.options.theme?.background,
          fg: t.options.theme?.foreground,
          brightRed: t.options.theme?.brightRed,
        };
      });
    const light = await read();
    assert.deepEqual(light, {
      fontSize: 17,
      scrollback: 123,
      cursorStyle: 'bar',
      bg: 'rgb(1, 2, 3)',
      fg: '#24292f',
      brightRed: '#ff0001',
    });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(
      () => document.querySelector('pod-shell')!.terminal!.options.theme?.foreground === '#d8dee9',
      undefined,
      { timeout: 5000, polling: 50 },
    );
    await page.evaluate(() => {
      const el = document.querySelector('pod-shell')!;
      el.style.setProperty('--pod-shell-background', 'rgb(9, 9, 9)');
      el.applyTheme();
      el.fontSize = 12;
    });
    await page.waitForFunction(
      () => document.querySelector('pod-shell')!.terminal!.options.fontSize === 12,
      undefined,
      { timeout: 5000, polling: 50 },
    );
    assert.equal(
      await page.evaluate(() => document.querySelector('pod-shell')!.terminal!.options.theme?.background),
      'rgb(9, 9, 9)',
    );
  } finally {
    await context.close();
  }
});

test('a dropped connection: "Reconnecting…", then a resume offering exactly the bytes received, and pod-shell-resume', async () => {
  const { context, page, conn } = await openPage();
  try {
    const credential = `s-test.${'k'.repeat(43)}`;
    conn.sendControl({
      type: 'hello',
      session: 's-test',
      expiresAt: Date.now() + 3600_000,
      idleTimeoutMs: 0,
      target: { namespace: 'default', pod: 'demo', container: 'shell' },
      resume: { credential, graceMs: 60_000 },
      offset: 100,
    });
    await waitForEvent(page, 'pod-shell-open');
    conn.sendData(Buffer.from('0123456789'));
    await waitForText(page, /0123456789/);
    const next = broker.nextConnection();
    conn.socket.terminate(); // no close frame: the browser sees 1006
    await waitForStatus(page, 'reconnecting');
    assert.match(await statusText(page), /Reconnecting/);
    const again = await next;
    assert.deepEqual(again.protocols, [
      POD_SHELL_SUBPROTOCOL,
      `${POD_SHELL_BEARER_PREFIX}${TOKEN}`,
      POD_SHELL_RESUMABLE,
      resumeSubprotocol(credential, 110),
    ]);
    again.sendControl({
      type: 'hello',
      session: 's-test',
      expiresAt: Date.now() + 3600_000,
      idleTimeoutMs: 0,
      target: { namespace: 'default', pod: 'demo', container: 'shell' },
      resume: { credential: `s-test.${'m'.repeat(43)}`, graceMs: 60_000 },
      offset: 110,
      resumed: true,
      skipped: 0,
    });
    const resumed = await waitForEvent(page, 'pod-shell-resume');
    assert.deepEqual(
      { session: resumed.detail['session'], offset: resumed.detail['offset'], skipped: resumed.detail['skipped'] },
      { session: 's-test', offset: 110, skipped: 0 },
    );
    assert.equal(await page.getAttribute('pod-shell', 'status'), 'connected');
    // The broker refusing the resume (the session ended meanwhile) ends it with pod-shell-close.
    const third = broker.nextConnection();
    again.socket.terminate();
    const conn3 = await third;
    conn3.closeWith(4410, 'resume_refused', 'The session cannot be resumed.');
    const close = await waitForEvent(page, 'pod-shell-close');
    assert.equal(close.detail['code'], 4410);
    assert.equal(await page.getAttribute('pod-shell', 'status'), 'closed');
  } finally {
    await context.close();
  }
});

test('observe: offers pod-shell.observe.v1 (no resume), shows the output, and sends nothing: no size, no ack, no typed input', async () => {
  const { context, page, conn } = await openPage(
    `<div id="box"><pod-shell observe token="${TOKEN}"></pod-shell></div>`,
  );
  try {
    assert.deepEqual(conn.protocols, [POD_SHELL_SUBPROTOCOL, `${POD_SHELL_BEARER_PREFIX}${TOKEN}`, POD_SHELL_OBSERVE]);
    conn.sendControl({
      type: 'hello',
      session: 's-test',
      expiresAt: Date.now() + 3600_000,
      idleTimeoutMs: 0,
      target: { namespace: 'default', pod: 'demo', container: 'shell' },
      observer: true,
      offset: 0,
    });
    await waitForEvent(page, 'pod-shell-open');
    conn.sendData('recent screen\r\n');
    await waitForText(page, /recent screen/);
    await typeInTerminal(page, 'typed by the watcher');
    // A frame after the typing has been rendered: everything the element would have sent by now is on the wire.
    conn.sendData('live output\r\n');
    await waitForText(page, /live output/);
    const before = await gridSize(page);
    await page.evaluate(() => {
      document.getElementById('box')!.style.width = '500px';
    });
    await page.waitForFunction(
      (cols) =>
        (document.querySelector('pod-shell') as unknown as { terminal: { cols: number } }).terminal.cols !== cols,
      before.cols,
    );
    conn.sendData('after resize\r\n');
    await waitForText(page, /after resize/);
    assert.deepEqual(conn.frames, [], 'an observer sends nothing');
  } finally {
    await context.close();
  }
});

test('the owner is told how many watch: pod-shell-observers events and a "watching" badge while the count is above 0', async () => {
  const { context, page, conn } = await openPage();
  try {
    conn.hello();
    await waitForEvent(page, 'pod-shell-open');
    const badge = page.locator('pod-shell [part="observers"]');
    assert.equal(await badge.count(), 0);
    conn.sendControl({ type: 'observers', count: 2 });
    assert.equal((await waitForEvent(page, 'pod-shell-observers')).detail['count'], 2);
    await badge.waitFor({ state: 'visible' });
    assert.match(await badge.innerText(), /2 people watching/);
    conn.sendControl({ type: 'observers', count: 0 });
    assert.equal((await waitForEvent(page, 'pod-shell-observers', 1)).detail['count'], 0);
    await badge.waitFor({ state: 'detached' });
  } finally {
    await context.close();
  }
});
