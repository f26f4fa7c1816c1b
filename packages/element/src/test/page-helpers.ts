import type { Page } from 'playwright-core';
// The element's types (HTMLElementTagNameMap['pod-shell']) for code evaluated in the page.
import type {} from '../pod-shell.js';

/** An event the page recorded (see hostPage). */
export interface RecordedEvent {
  type: string;
  detail: Record<string, unknown>;
  at: number;
}

declare global {
  interface Window {
    __events: RecordedEvent[];
  }
}

/**
 * The terminal's buffer (scrollback + screen) as text, one line per row, trailing blanks trimmed:
 * all of it, or only its last `tailLines` rows (cheap enough to poll during a flood, where reading
 * 5,000 rows every 50 ms would itself load the page being measured).
 */
export function bufferText(page: Page, selector = 'pod-shell', tailLines?: number): Promise<string> {
  return page.evaluate(
    ([sel, tail]) => {
      const el = document.querySelector<HTMLElementTagNameMap['pod-shell']>(sel);
      const buffer = el?.terminal?.buffer.active;
      if (!buffer) return '';
      const lines: string[] = [];
      for (let y = tail === undefined ? 0 : Math.max(0, buffer.length - tail); y < buffer.length; y++)
        lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
      return lines.join('\n').replace(/\n+$/, '');
    },
    [selector, tailLines] as const,
  );
}

/**
 * Waits until the buffer matches `pattern` (polled: xterm has no "text appeared" event),
 * failing with the buffer's content after `ms`.
 */
export async function waitForText(
  page: Page,
  pattern: RegExp,
  ms = 10_000,
  selector = 'pod-shell',
  tailLines?: number,
): Promise<string> {
  const deadline = Date.now() + ms;
  let text = '';
  while (Date.now() < deadline) {
    text = await bufferText(page, selector, tailLines);
    const match = pattern.exec(text);
    if (match) return match[0];
    await page.waitForTimeout(50);
  }
  throw new Error(`terminal never showed ${pattern}; buffer:\n${text.split('\n').slice(-25).join('\n')}`);
}

/** Waits for the page to have recorded an event of `type` (the n-th one, 0-based). */
export async function waitForEvent(page: Page, type: string, nth = 0, ms = 10_000): Promise<RecordedEvent> {
  const handle = await page.waitForFunction(
    ([t, n]) => window.__events.filter((e) => e.type === t)[n],
    [type, nth] as const,
    { timeout: ms, polling: 50 },
  );
  return (await handle.jsonValue()) as RecordedEvent;
}

export function events(page: Page): Promise<RecordedEvent[]> {
  return page.evaluate(() => window.__events);
}

/** The xterm grid size. */
export function gridSize(page: Page, selector = 'pod-shell'): Promise<{ cols: number; rows: number }> {
  return page.evaluate((sel) => {
    const t = (document.querySelector(sel) as HTMLElementTagNameMap['pod-shell']).terminal!;
    return { cols: t.cols, rows: t.rows };
  }, selector);
}

/** The visible status layer text (inside the shadow root), or '' when hidden. */
export function statusText(page: Page, selector = 'pod-shell'): Promise<string> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel)!;
    return (el.shadowRoot?.querySelector('[part="status"]')?.textContent ?? '').replace(/\s+/g, ' ').trim();
  }, selector);
}

/** Focuses the terminal and types like a user (keyboard events into xterm's textarea). */
export async function typeInTerminal(page: Page, text: string, selector = 'pod-shell'): Promise<void> {
  await page.evaluate((sel) => (document.querySelector(sel) as HTMLElementTagNameMap['pod-shell']).focus(), selector);
  await page.keyboard.type(text);
}

/** Cell widths of the first occurrence of `chars` in the buffer: [[char, width], ...] with the trailing spacer cells. */
export function cellWidthsOf(
  page: Page,
  chars: string,
  selector = 'pod-shell',
): Promise<{ cells: [string, number][]; found: boolean }> {
  return page.evaluate(
    ([sel, needle]) => {
      const buffer = (document.querySelector(sel) as HTMLElementTagNameMap['pod-shell']).terminal!.buffer.active;
      const first = [...needle][0]!;
      for (let y = buffer.length - 1; y >= 0; y--) {
        const line = buffer.getLine(y);
        if (!line) continue;
        for (let x = 0; x < line.length; x++) {
          if (line.getCell(x)?.getChars() !== first) continue;
          // Skip the command line's echo of the literal (printf '中文'): it is preceded by a quote.
          const cells: [string, number][] = [];
          for (let i = x; i < Math.min(line.length, x + [...needle].length * 2); i++) {
            const c = line.getCell(i)!;
            cells.push([c.getChars(), c.getWidth()]);
          }
          const before = x > 0 ? line.getCell(x - 1)?.getChars() : '';
          if (before === "'") continue;
          return { cells, found: true };
        }
      }
      return { cells: [], found: false };
    },
    [selector, chars] as const,
  );
}

/** Waits for the element's `status` attribute (reflected state) to become `status`. */
export async function waitForStatus(page: Page, status: string, ms = 15_000, selector = 'pod-shell'): Promise<void> {
  try {
    await page.waitForFunction(
      ([sel, s]) => document.querySelector(sel)?.getAttribute('status') === s,
      [selector, status] as const,
      { timeout: ms, polling: 50 },
    );
  } catch (error) {
    const state = await page
      .evaluate(
        (sel) => ({ status: document.querySelector(sel)?.getAttribute('status'), events: window.__events }),
        selector,
      )
      .catch(() => undefined);
    throw new Error(
      `<pod-shell> never reached status "${status}": ${JSON.stringify(state)} (status layer: ${await statusText(page, selector).catch(() => '?')})`,
      { cause: error },
    );
  }
}

/** Runs a shell command line in the terminal and waits for `pattern` in the buffer. */
export async function run(page: Page, line: string, pattern: RegExp, ms = 15_000): Promise<string> {
  await typeInTerminal(page, `${line}\r`);
  return waitForText(page, pattern, ms);
}

/** Puts a `<pod-shell>` with `token` into the demo page's stage (replacing whatever is there). */
export async function mountElement(page: Page, token: string, attributes: Record<string, string> = {}): Promise<void> {
  await page.evaluate(
    ([t, attrs]) => {
      const el = document.createElement('pod-shell');
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      el.token = t;
      document.getElementById('stage')!.replaceChildren(el);
    },
    [token, attributes] as const,
  );
}
