import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import type { Terminal } from '@xterm/xterm';
import {
  interpretStatus,
  CloseCode,
  POD_SHELL_OBSERVE,
  POD_SHELL_RESUMABLE,
  resumeSubprotocol,
  type ClosingMessage,
  type ServerControlMessage,
} from '@pod-shell/protocol';
import styles from './pod-shell.styles.js';
import { ConnectionController } from './controllers/connection-controller.js';
import { TerminalController, type TerminalSettings } from './controllers/terminal-controller.js';
import { ResizeController } from './controllers/resize-controller.js';
import { ClipboardController } from './controllers/clipboard-controller.js';
import { CountdownController } from './controllers/countdown-controller.js';
import { ColorSchemeController } from './controllers/color-scheme-controller.js';
import { resolveBrokerUrl } from './connection/broker-url.js';
import { reconnectDelayMs, ResumeStore } from './connection/resume-store.js';
import { OutputAcks } from './flow/output-acks.js';
import { closeMessage, sanitizeStatusText } from './status/close-message.js';
import { debugBannerText } from './status/debug-banner.js';
import { renderStatusLayer } from './status/status-layer.js';
import { paletteFor, resolvePalette, type ThemeName } from './theme/palettes.js';
import { podShellEvent, type PodShellCloseDetail, type PodShellTransferEndDetail } from './events.js';
import { TransferController } from './transfer/transfer-controller.js';
import { renderTransferLayer } from './transfer/transfer-layer.js';
import { transferStyles } from './transfer/transfer.styles.js';
import { collectDrop, fromFiles } from './transfer/collect-drop.js';

/** The element's connection state, reflected as the read-only `status` attribute. */
export type PodShellStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

const DEFAULT_FONT_FAMILY =
  'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace';

/**
 * A terminal into a Kubernetes pod container, through the pod-shell broker. Give it a token your
 * backend minted for one container; it connects, fits its box, and shows the shell.
 *
 * @summary A browser terminal into a Kubernetes pod container.
 *
 * @event {CustomEvent<PodShellOpenDetail>} pod-shell-open - The broker accepted the token; `detail` has `session`, `target` and `expiresAt`.
 * @event {CustomEvent<PodShellExpiringDetail>} pod-shell-expiring - The session will be closed at `detail.at` (ms) unless a fresh token is set.
 * @event {CustomEvent<PodShellExtendedDetail>} pod-shell-extended - A refreshed token was accepted; the session now lasts until `detail.expiresAt`.
 * @event {CustomEvent<PodShellCloseDetail>} pod-shell-close - The session ended: `detail` has `code`, `reason`, `message` and, when the command exited, `exitCode`.
 * @event {CustomEvent<PodShellErrorDetail>} pod-shell-error - A non-fatal refusal, for example a token refresh the broker rejected.
 * @event {CustomEvent<PodShellTransferStartDetail>} pod-shell-transfer-start - An upload (files dropped on the terminal, or `upload()`) or a download began: `id`, `direction`, `name`, `path`, `total`.
 * @event {CustomEvent<PodShellTransferProgressDetail>} pod-shell-transfer-progress - Bytes moved so far (`loaded`, `total`, `rate` in bytes/s), at most every 100 ms.
 * @event {CustomEvent<PodShellTransferEndDetail>} pod-shell-transfer-end - The transfer ended: `ok`, `cancelled`, `loaded`, the broker's `error` when it failed, an upload's `dir` and `names`.
 * @event {CustomEvent<PodShellObserversDetail>} pod-shell-observers - The number of read-only observers watching this session changed: `detail.count`.
 * @event {CustomEvent<PodShellResumeDetail>} pod-shell-resume - The same session continues after a dropped connection or a page reload: `detail` has `session`, `offset`, `skipped` (output lost) and `expiresAt`.
 *
 * @csspart base - The element's inner box.
 * @csspart terminal - The box xterm renders into (its padding is the terminal's padding).
 * @csspart status - The status layer: connecting, closed (with the reason) and expiry warnings.
 * @csspart reconnect-button - The Reconnect button shown after a session ends.
 * @csspart download-button - The download action (top right) while connected, unless downloads are disabled.
 * @csspart drop-zone - The hint shown while files are dragged over the terminal.
 * @csspart transfer-prompt - The destination (upload) or path (download) prompt.
 * @csspart transfer-progress - The running transfer: name, bytes, rate, progress bar and Cancel.
 * @csspart progress-bar - The `<progress>` of the running transfer.
 * @csspart transfer-cancel - The Cancel button of the running transfer.
 * @csspart transfer-result - The outcome of the last transfer.
 * @csspart observers - The "N watching" badge shown while read-only observers watch the session.
 *
 * @cssproperty --pod-shell-background - Terminal background color.
 * @cssproperty --pod-shell-foreground - Default text color.
 * @cssproperty --pod-shell-cursor - Cursor color.
 * @cssproperty --pod-shell-cursor-accent - Color of the character under a block cursor.
 * @cssproperty --pod-shell-selection-background - Selection background.
 * @cssproperty --pod-shell-selection-foreground - Selection text color.
 * @cssproperty --pod-shell-black - ANSI color 0.
 * @cssproperty --pod-shell-red - ANSI color 1.
 * @cssproperty --pod-shell-green - ANSI color 2.
 * @cssproperty --pod-shell-yellow - ANSI color 3.
 * @cssproperty --pod-shell-blue - ANSI color 4.
 * @cssproperty --pod-shell-magenta - ANSI color 5.
 * @cssproperty --pod-shell-cyan - ANSI color 6.
 * @cssproperty --pod-shell-white - ANSI color 7.
 * @cssproperty --pod-shell-bright-black - ANSI color 8.
 * @cssproperty --pod-shell-bright-red - ANSI color 9.
 * @cssproperty --pod-shell-bright-green - ANSI color 10.
 * @cssproperty --pod-shell-bright-yellow - ANSI color 11.
 * @cssproperty --pod-shell-bright-blue - ANSI color 12.
 * @cssproperty --pod-shell-bright-magenta - ANSI color 13.
 * @cssproperty --pod-shell-bright-cyan - ANSI color 14.
 * @cssproperty --pod-shell-bright-white - ANSI color 15.
 * @cssproperty --pod-shell-padding - Space between the element's edge and the text grid.
 * @cssproperty --pod-shell-border-radius - Corner radius of the element.
 * @cssproperty --pod-shell-status-background - Status layer background.
 * @cssproperty --pod-shell-status-foreground - Status layer text color.
 * @cssproperty --pod-shell-status-font - Status layer font family.
 */
export class PodShell extends LitElement {
  static override styles = [styles, transferStyles];

  /**
   * The session token your backend minted (a JWT). Setting a new token while connected sends it
   * to the broker in-band (`refresh`): the session is extended and the shell survives.
   */
  @property() token = '';

  /** The broker's session endpoint: a `ws(s)://` or `http(s)://` URL or a path. Defaults to `/v1/session` on the page's origin. */
  @property() broker = '';

  /** The terminal font family. */
  @property({ attribute: 'font-family' }) fontFamily = DEFAULT_FONT_FAMILY;

  /** The terminal font size in CSS pixels. */
  @property({ attribute: 'font-size', type: Number }) fontSize = 14;

  /** `dark`, `light`, or `auto` (follows the user's `prefers-color-scheme`). Every color can also be set with a CSS custom property. */
  @property({ reflect: true }) theme: ThemeName = 'dark';

  /**
   * Line height as a multiple of the font size. Above 1 so glyphs that reach the bottom of the cell
   * (underscores in DejaVu Sans Mono, for one) are not painted over by the next row.
   */
  @property({ attribute: 'line-height', type: Number }) lineHeight = 1.15;

  /** Lines of history kept above the screen. */
  @property({ type: Number }) scrollback = 5000;

  /** `block`, `underline` or `bar`. */
  @property({ attribute: 'cursor-style' }) cursorStyle: 'block' | 'underline' | 'bar' = 'block';

  /** Whether the cursor blinks. */
  @property({ attribute: 'cursor-blink', type: Boolean }) cursorBlink = false;

  /** Focus the terminal as soon as the shell is attached. */
  @property({ type: Boolean }) override autofocus = false;

  /** Disables uploads (drag and drop, `upload()`), whatever the tenant allows. */
  @property({ attribute: 'no-upload', type: Boolean }) noUpload = false;

  /** Disables downloads (the download action, `download()`), whatever the tenant allows. */
  @property({ attribute: 'no-download', type: Boolean }) noDownload = false;

  /**
   * Turns resume off: without it the element offers `pod-shell.resumable.v1`, keeps the resume
   * credential in `sessionStorage`, reconnects by itself after a dropped connection (showing
   * "Reconnecting…", with backoff, within the broker's grace period) and after a page reload.
   */
  @property({ attribute: 'no-resume', type: Boolean }) noResume = false;

  /**
   * Watch a live session read-only: `token` is then an observer token (claim `observe`, minted by your
   * backend for one session). The element offers `pod-shell.observe.v1`, shows the session's recent
   * output then live output, and sends nothing (no input, no resize, no acks); it never resumes.
   */
  @property({ type: Boolean, reflect: true }) observe = false;

  /** The connection state (read-only): `idle`, `connecting`, `connected`, `reconnecting` or `closed`. */
  @property({ reflect: true }) status: PodShellStatus = 'idle';

  @state() private closeDetail: PodShellCloseDetail | undefined;
  @state() private notice = '';
  /** Set from `hello` while the session runs in a debug container. */
  @state() private debugBanner = '';
  @state() private background = '';
  /** Files are being dragged over the terminal (and upload is allowed). */
  @state() private dragging = false;
  /** Read-only observers watching this session (from the broker's `observers` frames). */
  @state() private watchers = 0;

  @query('.terminal-box') private container!: HTMLDivElement;

  private readonly connection = new ConnectionController(this, {
    onOpen: () => this.handleOpen(),
    onData: (bytes) => {
      this.outputOffset += bytes.byteLength;
      this.terminalController.write(bytes, this.flow.track(bytes.byteLength));
    },
    onStatus: (text) => this.handleStatus(text),
    onControl: (message) => this.handleControl(message),
    onClose: (code, reason, opened) => this.handleClose(code, reason, opened),
  });
  private readonly terminalController = new TerminalController(this, {
    onInput: (data) => {
      if (this.status === 'connected' && !this.observe) this.connection.sendStdin(data);
    },
    onBinaryInput: (bytes) => {
      if (this.status === 'connected' && !this.observe) this.connection.sendStdin(bytes);
    },
    onResize: (cols, rows) => this.sendSize(cols, rows),
  });
  private readonly resizeController = new ResizeController(this, () => this.terminalController.fit());
  private readonly clipboard = new ClipboardController(this);
  private readonly countdown = new CountdownController(this);
  private readonly colorScheme = new ColorSchemeController(this, () => {
    if (this.theme === 'auto') this.applyTheme();
  });
  private readonly transfers = new TransferController(this);
  private readonly flow = new OutputAcks((bytes) => {
    if (!this.observe) this.connection.sendControl({ type: 'ack', bytes });
  });

  /** The token the broker last received (at connect or by refresh). */
  private sessionToken = '';
  private closing: ClosingMessage | undefined;
  private exitCode: number | undefined;
  private sessionExpiresAt: number | undefined;
  private lastSentSize = '';
  /** The current resume credential and grace period from `hello`, while the session is resumable. */
  private resumable: { session: string; credential: string; graceMs: number } | undefined;
  /** stdout/stderr payload bytes received in this session (the broker's output offset). */
  private outputOffset = 0;
  /** Set while reconnecting after a drop: when the grace period ends, and the close to report then. */
  private dropped: { until: number; attempt: number; detail: PodShellCloseDetail } | undefined;
  /** The resume being attempted: from a reload (a fresh terminal) or after a drop in this page. */
  private resuming: 'reload' | 'drop' | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly resumeStore = new ResumeStore(() => `${this.broker}#${this.id}`);
  private readonly onPageHide = (): void => this.saveResume();

  /**
   * The underlying xterm.js `Terminal` while the element is on the page (for advanced host code:
   * extra addons, reading the buffer in tests). Undefined before the first render and after removal.
   */
  get terminal(): Terminal | undefined {
    return this.terminalController.terminal;
  }

  /** When the session will be closed unless refreshed (ms since the epoch), once connected. */
  get expiresAt(): number | undefined {
    return this.sessionExpiresAt;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('pagehide', this.onPageHide);
    // Re-inserted after a removal: the previous session and terminal were disposed; start anew.
    if (this.hasUpdated) void this.updateComplete.then(() => this.setUp());
  }

  override disconnectedCallback(): void {
    // Controllers close the socket (1000), stop observers and timers and dispose xterm.
    window.removeEventListener('pagehide', this.onPageHide);
    this.stopReconnecting();
    // Removed from the page (not a reload: that never runs this): the session ends, nothing to resume.
    if (this.resumable !== undefined) this.resumeStore.clear();
    this.resumable = undefined;
    super.disconnectedCallback();
    this.flow.reset();
    this.closing = undefined;
    this.sessionToken = '';
    this.lastSentSize = '';
    this.status = 'idle';
  }

  protected override firstUpdated(): void {
    this.setUp();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (
      changed.has('fontFamily') ||
      changed.has('fontSize') ||
      changed.has('lineHeight') ||
      changed.has('scrollback') ||
      changed.has('cursorStyle') ||
      changed.has('cursorBlink')
    ) {
      this.terminalController.update(this.terminalSettings());
    }
    if (changed.has('theme')) this.applyTheme();
    if (changed.has('token') && this.hasUpdated) this.tokenChanged();
  }

  /** Focuses the terminal. */
  override focus(options?: FocusOptions): void {
    this.terminal?.focus();
    if (!this.terminal) super.focus(options);
  }

  /**
   * Sends a fresh token to the broker (in-band `refresh`), extending the session without
   * reconnecting. With an argument, also makes it the element's `token`.
   */
  refreshToken(token: string = this.token): void {
    if (token !== this.token) this.token = token;
    // An observer cannot refresh (the broker refuses it): a new observer token is used by the next connect.
    if (this.observe) return;
    if (this.status === 'connected' && token && token !== this.sessionToken) {
      this.sessionToken = token;
      this.connection.sendControl({ type: 'refresh', token });
    }
  }

  /**
   * Uploads files into the container (as the drop does, without the prompt): one file as is, several
   * as a tar archive, into `dir` (default the shell's home). Resolves with the `pod-shell-transfer-end`
   * detail, or null when uploads are not possible now (not connected, disabled, another transfer running).
   */
  upload(files: FileList | readonly File[], dir = '~'): Promise<PodShellTransferEndDetail | null> {
    const upload = fromFiles([...files]);
    if (upload === null || !this.transfers.allowed('upload', this.noUpload)) return Promise.resolve(null);
    return this.transfers.upload(upload, dir);
  }

  /** Downloads a file (as is) or a directory (as `.tar`) from the container; resolves like `upload()`. */
  download(path: string): Promise<PodShellTransferEndDetail | null> {
    if (!this.transfers.allowed('download', this.noDownload)) return Promise.resolve(null);
    return this.transfers.download(path);
  }

  /** Cancels the running upload or download (an upload's partial files are removed by the broker). */
  cancelTransfer(): void {
    this.transfers.cancel();
  }

  /** What the transfer controller needs to reach the broker: null while no session is open. */
  transferTarget(): { token: string; sessionUrl: string } | null {
    if (this.status !== 'connected' || !this.token) return null;
    try {
      return { token: this.sessionToken || this.token, sessionUrl: resolveBrokerUrl(this.broker, window.location) };
    } catch {
      return null;
    }
  }

  private dragHasFiles(e: DragEvent): boolean {
    return (
      e.dataTransfer !== null &&
      [...e.dataTransfer.types].includes('Files') &&
      this.transfers.allowed('upload', this.noUpload) &&
      !this.transfers.busy
    );
  }

  private onDragOver(e: DragEvent): void {
    if (!this.dragHasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer!.dropEffect = 'copy';
    this.dragging = true;
  }

  private onDragLeave(e: DragEvent): void {
    if (e.relatedTarget === null || !this.renderRoot.contains(e.relatedTarget as Node)) this.dragging = false;
  }

  private onDrop(e: DragEvent): void {
    this.dragging = false;
    if (!this.dragHasFiles(e)) return;
    e.preventDefault();
    void collectDrop(e.dataTransfer!).then((upload) => {
      if (upload !== null) this.transfers.promptUpload(upload);
    });
  }

  /** Ends the current session (if any) and opens a new one with the current token. */
  reconnect(): void {
    this.terminal?.reset();
    this.connect('none');
  }

  /** Re-reads the theme and the `--pod-shell-*` color properties (call after changing them at runtime). */
  applyTheme(): void {
    if (!this.isConnected) return;
    const computed = getComputedStyle(this);
    const palette = resolvePalette(paletteFor(this.theme, this.colorScheme.prefersDark), (name) =>
      computed.getPropertyValue(name),
    );
    this.background = palette.background;
    this.terminalController.update({ theme: palette });
  }

  protected override render(): TemplateResult {
    // The grid's background also fills the padding around it (on the inner box: the host's own
    // style attribute belongs to the page).
    const view = this.transfers.view;
    return html`<div
      part="base"
      class="base"
      style=${styleMap({ background: this.background })}
      @dragenter=${(e: DragEvent) => this.onDragOver(e)}
      @dragover=${(e: DragEvent) => this.onDragOver(e)}
      @dragleave=${(e: DragEvent) => this.onDragLeave(e)}
      @drop=${(e: DragEvent) => this.onDrop(e)}
    >
      <div part="terminal" class="terminal-box"></div>
      ${
        this.watchers > 0 && this.status === 'connected'
          ? html`<div part="observers" class="observers" role="status">
              ${this.watchers === 1 ? '1 person watching' : `${this.watchers} people watching`}
            </div>`
          : nothing
      }
      ${renderTransferLayer({
        view,
        dragging: this.dragging,
        connected: this.status === 'connected',
        canDownload: this.transfers.allowed('download', this.noDownload),
        onUpload: (dir) => {
          if (view.kind === 'upload-prompt') void this.transfers.upload(view.upload, dir || '~');
        },
        onDownload: (path) => void this.transfers.download(path),
        onDismiss: () => this.transfers.dismiss(),
        onCancel: () => this.transfers.cancel(),
        onDownloadButton: () => this.transfers.promptDownload(),
      })}
      ${renderStatusLayer({
        status: this.status,
        hasToken: this.token !== '',
        expiringAt: this.countdown.at,
        notice: this.notice,
        debugBanner: this.status === 'connected' ? this.debugBanner : '',
        closeDetail: this.closeDetail,
        onReconnect: () => this.reconnect(),
      })}
    </div>`;
  }

  private terminalSettings(): TerminalSettings {
    return {
      fontFamily: this.fontFamily,
      fontSize: this.fontSize,
      lineHeight: this.lineHeight,
      scrollback: this.scrollback,
      cursorStyle: this.cursorStyle,
      cursorBlink: this.cursorBlink,
    };
  }

  private setUp(): void {
    if (!this.isConnected || this.terminal) return;
    const term = this.terminalController.open(this.container, this.terminalSettings());
    this.applyTheme();
    this.clipboard.attach(term);
    this.resizeController.observe(this.container);
    if (this.token) this.connect();
  }

  private tokenChanged(): void {
    if (!this.token) return;
    if (this.status === 'idle' && this.terminal) this.connect();
    else if (this.status === 'connected') this.refreshToken(this.token);
    // While connecting, the hello handler sends the newer token; when closed, Reconnect uses it.
  }

  /**
   * Opens a session, or resumes one: after a reload, the credential this tab stored (from offset 0:
   * the fresh terminal is redrawn from what the broker still buffers); after a drop, exactly the
   * output this terminal has not received.
   */
  private connect(resume: 'drop' | 'none' | 'auto' = 'auto'): void {
    if (!this.terminal) return;
    this.connection.close(1000, 'reconnect');
    let extensions: string[] = [];
    this.resuming = undefined;
    this.watchers = 0;
    if (this.observe) extensions = [POD_SHELL_OBSERVE];
    else if (!this.noResume) {
      extensions = [POD_SHELL_RESUMABLE];
      if (resume === 'drop' && this.resumable !== undefined) {
        extensions.push(resumeSubprotocol(this.resumable.credential, this.outputOffset));
        this.resuming = 'drop';
      } else if (resume === 'auto') {
        const stored = this.resumeStore.load();
        if (stored !== undefined) {
          extensions.push(resumeSubprotocol(stored.credential, 0));
          this.resuming = 'reload';
        }
      }
    }
    if (this.resuming !== 'drop') {
      this.resumable = undefined;
      this.outputOffset = 0;
    }
    this.flow.reset();
    this.countdown.stop();
    this.closing = undefined;
    this.exitCode = undefined;
    this.closeDetail = undefined;
    this.notice = '';
    this.sessionExpiresAt = undefined;
    this.lastSentSize = '';
    if (!this.token) {
      this.status = 'idle';
      return;
    }
    let url: string;
    try {
      url = resolveBrokerUrl(this.broker, window.location);
    } catch (error) {
      this.finish({
        code: CloseCode.BadRequest,
        reason: 'bad-broker-url',
        message: sanitizeStatusText(String((error as Error).message)),
      });
      return;
    }
    this.status = this.resuming === 'drop' ? 'reconnecting' : 'connecting';
    this.sessionToken = this.token;
    try {
      this.connection.connect(url, this.token, extensions);
    } catch {
      // The browser refused the subprotocol list: the token has characters no JWT contains.
      this.finish({
        code: CloseCode.Unauthorized,
        reason: 'invalid-token',
        message: closeMessage({ code: CloseCode.Unauthorized, reason: '', opened: false }),
      });
    }
  }

  /** The socket is open: the terminal's size goes first, before the shell can draw a prompt. */
  private handleOpen(): void {
    this.terminalController.fit();
    // An observer sends nothing: the broker refuses every frame from it.
    if (this.observe) return;
    const term = this.terminal;
    if (term) this.sendSize(term.cols, term.rows);
    // After the size (the broker's first frame from us): opt in to the broker's ack window.
    this.flow.start();
  }

  private sendSize(cols: number, rows: number): void {
    if (this.observe) return;
    const key = `${cols}x${rows}`;
    if (key === this.lastSentSize) return;
    if (this.connection.sendResize(cols, rows)) this.lastSentSize = key;
  }

  private handleStatus(text: string): void {
    const outcome = interpretStatus(text);
    if (outcome.kind === 'success') this.exitCode = 0;
    else if (outcome.kind === 'exit') this.exitCode = outcome.exitCode;
  }

  private handleControl(message: ServerControlMessage): void {
    switch (message.type) {
      case 'hello':
        this.status = 'connected';
        this.sessionExpiresAt = message.expiresAt;
        this.debugBanner = debugBannerText(message.debugContainer);
        this.transfers.capabilities = message.files ?? null;
        this.stopReconnecting();
        this.outputOffset = message.offset ?? 0;
        this.resumable =
          message.resume === undefined
            ? undefined
            : { session: message.session, credential: message.resume.credential, graceMs: message.resume.graceMs };
        this.saveResume();
        if (message.resumed === true) {
          this.resuming = undefined;
          this.dispatchEvent(
            podShellEvent('pod-shell-resume', {
              session: message.session,
              offset: message.offset ?? 0,
              skipped: message.skipped ?? 0,
              expiresAt: message.expiresAt,
            }),
          );
        } else
          this.dispatchEvent(
            podShellEvent('pod-shell-open', {
              session: message.session,
              target: message.target,
              ...(message.debugContainer === undefined ? {} : { debugContainer: message.debugContainer }),
              expiresAt: message.expiresAt,
              idleTimeoutMs: message.idleTimeoutMs,
            }),
          );
        if (this.autofocus) this.terminal?.focus();
        // A token set while the handshake was in flight goes to the broker now.
        if (this.token && this.token !== this.sessionToken) this.refreshToken(this.token);
        return;
      case 'expiring':
        this.countdown.start(message.at);
        this.dispatchEvent(podShellEvent('pod-shell-expiring', { at: message.at }));
        return;
      case 'extended':
        this.sessionExpiresAt = message.expiresAt;
        this.countdown.stop();
        this.notice = '';
        this.dispatchEvent(podShellEvent('pod-shell-extended', { expiresAt: message.expiresAt }));
        return;
      case 'closing':
        this.closing = message;
        return;
      case 'observers':
        this.watchers = typeof message.count === 'number' && message.count > 0 ? Math.floor(message.count) : 0;
        this.dispatchEvent(podShellEvent('pod-shell-observers', { count: this.watchers }));
        return;
      case 'error': {
        const text = sanitizeStatusText(String(message.message ?? ''));
        this.notice = text;
        this.dispatchEvent(
          podShellEvent('pod-shell-error', { code: sanitizeStatusText(String(message.code ?? '')), message: text }),
        );
        return;
      }
    }
  }

  private handleClose(code: number, reason: string, opened: boolean): void {
    const closing = this.closing;
    const detail: PodShellCloseDetail = {
      code,
      reason: sanitizeStatusText(closing?.code === code ? closing.reason : reason),
      message: closeMessage({ code, reason, closing, opened }),
    };
    const exitCode = typeof closing?.exitCode === 'number' ? closing.exitCode : this.exitCode;
    if (exitCode !== undefined) detail.exitCode = exitCode;
    // A reload whose session is gone (grace over, killed, another tab took it): start a new one.
    if (this.resuming === 'reload' && code === CloseCode.ResumeRefused) {
      this.resumeStore.clear();
      this.connect('none');
      return;
    }
    // A connection lost without a close from the broker (1006), a relaying replica going away (1001),
    // or a reconnect attempt that failed the same way: try again with backoff while the broker keeps the shell.
    if ((code === 1006 || code === 1001) && this.resumable !== undefined && !this.noResume) {
      const dropped = this.dropped ?? {
        until: Date.now() + this.resumable.graceMs,
        attempt: 0,
        detail,
      };
      if (Date.now() < dropped.until) {
        this.scheduleReconnect(dropped);
        return;
      }
      this.finish(dropped.detail);
      return;
    }
    this.finish(detail);
  }

  private scheduleReconnect(dropped: { until: number; attempt: number; detail: PodShellCloseDetail }): void {
    this.connection.close();
    this.flow.reset();
    this.closing = undefined;
    this.status = 'reconnecting';
    this.dropped = { ...dropped, attempt: dropped.attempt + 1 };
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect('drop');
    }, reconnectDelayMs(dropped.attempt));
  }

  private stopReconnecting(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.dropped = undefined;
  }

  /** Keeps the credential (and the offset received) for a reload of this tab. */
  private saveResume(): void {
    const r = this.resumable;
    if (r === undefined || this.noResume) return;
    this.resumeStore.save({
      session: r.session,
      credential: r.credential,
      offset: this.outputOffset,
      graceMs: r.graceMs,
      savedAt: Date.now(),
    });
  }

  private finish(detail: PodShellCloseDetail): void {
    this.stopReconnecting();
    if (this.resumable !== undefined || this.resuming !== undefined) this.resumeStore.clear();
    this.resumable = undefined;
    this.resuming = undefined;
    this.connection.close();
    // A running transfer goes on (its own HTTP request); new ones need a session again.
    this.transfers.capabilities = null;
    this.flow.reset();
    this.countdown.stop();
    this.notice = '';
    this.closing = undefined;
    this.sessionToken = '';
    this.closeDetail = detail;
    this.status = 'closed';
    this.dispatchEvent(podShellEvent('pod-shell-close', detail));
  }
}
