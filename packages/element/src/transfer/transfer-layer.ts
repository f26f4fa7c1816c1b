import { html, nothing, type TemplateResult } from 'lit';
import type { TransferView } from './transfer-controller.js';

/** `1.5 MB`, `312 kB`, `12 B` (SI units, as download managers show them). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 100 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export interface TransferLayerState {
  view: TransferView;
  /** A drag with files is over the terminal and upload is allowed. */
  dragging: boolean;
  canDownload: boolean;
  connected: boolean;
  onUpload: (dir: string) => void;
  onDownload: (path: string) => void;
  onDismiss: () => void;
  onCancel: () => void;
  onDownloadButton: () => void;
}

function submitted(e: Event, then: (value: string) => void): void {
  e.preventDefault();
  const form = e.target as HTMLFormElement;
  then((form.elements.namedItem('path') as HTMLInputElement).value.trim());
}

/**
 * The file transfer layer over the terminal: the drop hint while dragging, the destination or path
 * prompt, the progress bar (bytes, total, rate, Cancel) and the outcome. User and broker text is
 * bound as text (Lit escapes it), never as HTML.
 */
export function renderTransferLayer(s: TransferLayerState): TemplateResult {
  const v = s.view;
  return html`${
    s.canDownload && s.connected && v.kind === 'none'
      ? html`<button
          part="download-button"
          class="transfer-download"
          type="button"
          title="Download a file or directory"
          aria-label="Download a file or directory"
          @click=${s.onDownloadButton}
        >
          ⤓
        </button>`
      : nothing
  }
  ${s.dragging ? html`<div part="drop-zone" class="transfer-drop">Drop to upload into the container</div>` : nothing}
  ${
    v.kind === 'upload-prompt'
      ? html`<form part="transfer-prompt" class="transfer-panel" @submit=${(e: Event) => submitted(e, s.onUpload)}>
          <label
            >Upload <strong>${v.label}</strong> (${formatBytes(v.size)}) to directory
            <input name="path" value="~" autocomplete="off" spellcheck="false" />
          </label>
          <button type="submit" part="transfer-confirm">Upload</button>
          <button type="button" part="transfer-dismiss" @click=${s.onDismiss}>Cancel</button>
        </form>`
      : v.kind === 'download-prompt'
        ? html`<form part="transfer-prompt" class="transfer-panel" @submit=${(e: Event) => submitted(e, s.onDownload)}>
            <label
              >Download file or directory
              <input name="path" placeholder="~/path/in/container" autocomplete="off" spellcheck="false" />
            </label>
            <button type="submit" part="transfer-confirm">Download</button>
            <button type="button" part="transfer-dismiss" @click=${s.onDismiss}>Cancel</button>
          </form>`
        : v.kind === 'running'
          ? html`<div part="transfer-progress" class="transfer-panel" role="status" data-direction=${v.direction}>
              <span class="transfer-text"
                >${v.direction === 'upload' ? 'Uploading' : 'Downloading'} <strong>${v.name}</strong>:
                <span class="transfer-bytes"
                  >${formatBytes(v.loaded)}${v.total !== null ? ` of ${formatBytes(v.total)}` : ''}</span
                >
                · <span class="transfer-rate">${formatBytes(v.rate)}/s</span></span
              >
              <progress
                part="progress-bar"
                max=${v.total ?? 1}
                value=${v.total !== null ? Math.min(v.loaded, v.total) : nothing}
              ></progress>
              <button type="button" part="transfer-cancel" @click=${s.onCancel}>Cancel</button>
            </div>`
          : v.kind === 'done'
            ? html`<div part="transfer-result" class="transfer-panel" role="status" data-ok=${v.ok ? 'true' : 'false'}>
                <span class="transfer-text">${v.message}</span>
                <button type="button" part="transfer-dismiss" @click=${s.onDismiss}>OK</button>
              </div>`
            : nothing
  }`;
}
