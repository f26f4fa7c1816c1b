import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Terminal, type IDisposable, type ITerminalOptions, type IWindowOptions } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { openLinkIfAllowed } from '../links/link-policy.js';
import { OutputScheduler } from '../flow/output-scheduler.js';
import { coalesceViewportSync } from '../xterm/viewport-sync.js';

/**
 * Every xterm window manipulation and report (CSI t) stays off: container output must not move,
 * resize or retitle the page, nor read anything back (threat 11). xterm's default is already
 * off; spelling it out keeps it off if a default ever changes.
 */
export const WINDOW_OPTIONS_ALL_OFF: Readonly<IWindowOptions> = Object.freeze({
  restoreWin: false,
  minimizeWin: false,
  setWinPosition: false,
  setWinSizePixels: false,
  raiseWin: false,
  lowerWin: false,
  refreshWin: false,
  setWinSizeChars: false,
  maximizeWin: false,
  fullscreenWin: false,
  getWinState: false,
  getWinPosition: false,
  getWinSizePixels: false,
  getScreenSizePixels: false,
  getCellSizePixels: false,
  getWinSizeChars: false,
  getScreenSizeChars: false,
  getIconTitle: false,
  getWinTitle: false,
  pushTitle: false,
  popTitle: false,
  setWinLines: false,
});

/** Opens a link in a new tab that gets no handle on this page (no reverse tabnapping). */
function openInNewTab(url: string): void {
  window.open(url, '_blank', 'noopener,noreferrer');
}

export interface TerminalHandlers {
  /** Text the user typed or pasted (xterm gives a JS string; sent as UTF-8). */
  onInput(data: string): void;
  /** Binary input (mouse reports in X10 mode): one byte per char code. */
  onBinaryInput(bytes: Uint8Array): void;
  /** xterm's grid changed size. */
  onResize(cols: number, rows: number): void;
}

export type TerminalSettings = Pick<
  ITerminalOptions,
  'fontFamily' | 'fontSize' | 'lineHeight' | 'scrollback' | 'cursorStyle' | 'cursorBlink' | 'theme'
>;

/**
 * Owns the xterm Terminal and its addons (fit, unicode 11 widths, web links). Created when the
 * host's container is rendered; disposed, with every listener, when the host leaves the page.
 */
export class TerminalController implements ReactiveController {
  private term: Terminal | undefined;
  private fitAddon: FitAddon | undefined;
  private output: OutputScheduler | undefined;
  private disposables: IDisposable[] = [];
  private viewportSyncCoalesced = false;

  constructor(
    host: ReactiveControllerHost,
    private readonly handlers: TerminalHandlers,
  ) {
    host.addController(this);
  }

  get terminal(): Terminal | undefined {
    return this.term;
  }

  /** Whether xterm's per-line scrollbar sync was made once-per-frame (see xterm/viewport-sync.ts). */
  get coalescedViewportSync(): boolean {
    return this.viewportSyncCoalesced;
  }

  /** Creates the terminal inside `container`. Idempotent while open. */
  open(container: HTMLElement, settings: TerminalSettings): Terminal {
    if (this.term) return this.term;
    const term = new Terminal({
      ...settings,
      // The unicode11 addon registers its width table through the proposed `unicode` API.
      allowProposedApi: true,
      windowOptions: { ...WINDOW_OPTIONS_ALL_OFF },
      // OSC 8 hyperlinks follow the same policy as detected URLs: modifier click, http(s) only.
      linkHandler: {
        activate: (event, uri) => void openLinkIfAllowed(event, uri, openInNewTab),
        allowNonHttpProtocols: false,
      },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.loadAddon(new Unicode11Addon());
    // CJK and emoji take two cells, as in the container's own wcwidth (Unicode 11+).
    term.unicode.activeVersion = '11';
    term.loadAddon(new WebLinksAddon((event, uri) => void openLinkIfAllowed(event, uri, openInNewTab)));
    this.disposables.push(
      term.onData((data) => this.handlers.onInput(data)),
      term.onBinary((data) => this.handlers.onBinaryInput(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff))),
      term.onResize(({ cols, rows }) => this.handlers.onResize(cols, rows)),
      // DECRQSS (DCS $ q … ST) is swallowed: no status string is ever written back to the
      // container's stdin (threat 11; CVE-2019-0542 was a DECRQSS reply echoing attacker bytes).
      term.parser.registerDcsHandler({ intermediates: '$', final: 'q' }, () => true),
    );
    term.open(container);
    this.viewportSyncCoalesced = coalesceViewportSync(term);
    this.output = new OutputScheduler(term);
    this.term = term;
    this.fitAddon = fit;
    this.fit();
    return term;
  }

  /** Fits the grid to the container; a hidden (zero-size) container keeps the last size. */
  fit(): void {
    const term = this.term;
    const fit = this.fitAddon;
    if (!term || !fit) return;
    const dims = fit.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows) || dims.cols < 2 || dims.rows < 1) return;
    if (dims.cols !== term.cols || dims.rows !== term.rows) fit.fit();
  }

  /**
   * Hands bytes to xterm through the output scheduler (small pieces, timed bursts: see
   * flow/output-scheduler.ts); `done` runs once they are parsed (the flow-control signal).
   */
  write(bytes: Uint8Array, done: () => void): void {
    if (!this.output) {
      done();
      return;
    }
    this.output.push(bytes, done);
  }

  update(settings: TerminalSettings): void {
    const term = this.term;
    if (!term) return;
    for (const [key, value] of Object.entries(settings) as [keyof TerminalSettings, unknown][]) {
      if (value !== undefined && term.options[key] !== value) (term.options as Record<string, unknown>)[key] = value;
    }
    this.fit();
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.dispose();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.output?.clear();
    this.output = undefined;
    // Disposing the terminal disposes its addons and removes its DOM and listeners.
    this.term?.dispose();
    this.term = undefined;
    this.fitAddon = undefined;
  }
}
