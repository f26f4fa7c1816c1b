import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { FileCapabilities } from '@pod-shell/protocol';
import { podShellEvent, type PodShellTransferEndDetail } from '../events.js';
import { uploadLabel, uploadSize, type DroppedUpload } from './collect-drop.js';
import { filesUrl } from './files-url.js';
import { tarBlob } from './tar-blob.js';
import { runDownload, runUpload, type RunOutcome } from './transfer-runner.js';

/** What the transfer layer shows: a prompt for a destination or a path, or a running transfer. */
export type TransferView =
  | { kind: 'none' }
  | { kind: 'upload-prompt'; upload: DroppedUpload; label: string; size: number }
  | { kind: 'download-prompt' }
  | {
      kind: 'running';
      direction: 'upload' | 'download';
      name: string;
      loaded: number;
      total: number | null;
      rate: number;
    }
  | { kind: 'done'; message: string; ok: boolean };

export interface TransferHost extends ReactiveControllerHost, HTMLElement {
  /** The current token and the session URL, or null while not connected. */
  transferTarget(): { token: string; sessionUrl: string } | null;
}

const PROGRESS_EVERY_MS = 100;
let counter = 0;

/**
 * Uploads and downloads for `<pod-shell>`: at most one at a time, each with its own
 * AbortController (cancel, or the element leaving the page), typed start/progress/end events, and
 * the view the transfer layer renders. `capabilities` come from `hello.files` (tenant policy);
 * `disabled` from the host page's attributes.
 */
export class TransferController implements ReactiveController {
  view: TransferView = { kind: 'none' };
  capabilities: FileCapabilities | null = null;
  private abort: AbortController | null = null;
  private doneTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: TransferHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.cancel();
    clearTimeout(this.doneTimer);
    this.view = { kind: 'none' };
  }

  allowed(direction: 'upload' | 'download', disabledByHost: boolean): boolean {
    return !disabledByHost && this.capabilities !== null && this.capabilities[direction];
  }

  get busy(): boolean {
    return this.abort !== null;
  }

  promptUpload(upload: DroppedUpload): void {
    if (this.busy) return;
    this.set({ kind: 'upload-prompt', upload, label: uploadLabel(upload), size: uploadSize(upload) });
  }

  promptDownload(): void {
    if (this.busy) return;
    this.set({ kind: 'download-prompt' });
  }

  dismiss(): void {
    if (this.view.kind !== 'running') this.set({ kind: 'none' });
  }

  cancel(): void {
    this.abort?.abort();
  }

  async upload(upload: DroppedUpload, dir: string): Promise<PodShellTransferEndDetail | null> {
    const target = this.host.transferTarget();
    if (target === null || this.busy) return null;
    const raw = upload.kind === 'file';
    const body = raw ? upload.file : tarBlob(upload.entries);
    const query: Record<string, string> = { dir };
    if (raw) query['name'] = upload.file.name;
    const url = filesUrl(target.sessionUrl, 'upload', query);
    return this.run('upload', uploadLabel(upload), dir, body.size, (progress, signal) =>
      runUpload(url, target.token, body, raw ? 'application/octet-stream' : 'application/x-tar', progress, signal),
    );
  }

  async download(path: string): Promise<PodShellTransferEndDetail | null> {
    const target = this.host.transferTarget();
    if (target === null || this.busy) return null;
    const url = filesUrl(target.sessionUrl, 'download', { path });
    const name = path.replace(/\/+$/, '').split('/').pop() || path || '~';
    const end = await this.run('download', name, path, null, (progress, signal) =>
      runDownload(url, target.token, progress, signal),
    );
    return end;
  }

  private async run(
    direction: 'upload' | 'download',
    name: string,
    path: string,
    total: number | null,
    go: (progress: (loaded: number, total: number | null) => void, signal: AbortSignal) => Promise<RunOutcome>,
  ): Promise<PodShellTransferEndDetail> {
    const id = `t${Date.now().toString(36)}${(counter++).toString(36)}`;
    const abort = new AbortController();
    this.abort = abort;
    clearTimeout(this.doneTimer);
    const started = performance.now();
    let loaded = 0;
    let known = total;
    let lastEvent = 0;
    const rate = (): number => {
      const s = (performance.now() - started) / 1000;
      return s > 0 ? Math.round(loaded / s) : 0;
    };
    this.set({ kind: 'running', direction, name, loaded: 0, total, rate: 0 });
    this.host.dispatchEvent(podShellEvent('pod-shell-transfer-start', { id, direction, name, path, total }));
    const progress = (n: number, t: number | null): void => {
      loaded = n;
      known = t ?? known;
      const now = performance.now();
      if (now - lastEvent < PROGRESS_EVERY_MS && n !== known) return;
      lastEvent = now;
      this.set({ kind: 'running', direction, name, loaded, total: known, rate: rate() });
      this.host.dispatchEvent(
        podShellEvent('pod-shell-transfer-progress', { id, direction, loaded, total: known, rate: rate() }),
      );
    };
    const outcome = await go(progress, abort.signal);
    this.abort = null;
    const end: PodShellTransferEndDetail = {
      id,
      direction,
      ok: outcome.ok,
      cancelled: !outcome.ok && outcome.cancelled,
      loaded,
    };
    if (!outcome.ok && outcome.error !== undefined) end.error = outcome.error;
    if (outcome.ok && outcome.json !== undefined) {
      if (typeof outcome.json['dir'] === 'string') end.dir = outcome.json['dir'];
      if (Array.isArray(outcome.json['names'])) end.names = outcome.json['names'].map(String);
    }
    if (outcome.ok && outcome.blob !== undefined) this.save(outcome.blob, outcome.filename ?? name);
    const message = outcome.ok
      ? direction === 'upload'
        ? `Uploaded ${name} to ${end.dir ?? path}.`
        : `Downloaded ${outcome.filename ?? name}.`
      : end.cancelled
        ? `The ${direction} of ${name} was cancelled.`
        : `The ${direction} of ${name} failed: ${end.error?.message || end.error?.code || 'unknown error'}`;
    this.set({ kind: 'done', message, ok: outcome.ok });
    this.doneTimer = setTimeout(() => this.set({ kind: 'none' }), outcome.ok ? 4000 : 10000);
    this.host.dispatchEvent(podShellEvent('pod-shell-transfer-end', end));
    return end;
  }

  /** Hands a finished download to the browser's download manager. */
  private save(blob: Blob, filename: string): void {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    a.rel = 'noopener';
    a.style.display = 'none';
    (this.host.shadowRoot ?? document.body).appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  }

  private set(view: TransferView): void {
    this.view = view;
    this.host.requestUpdate();
  }
}
