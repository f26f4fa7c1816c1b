import { html, nothing, type TemplateResult } from 'lit';
import type { PodShellCloseDetail } from '../events.js';
import { formatRemaining } from './format-remaining.js';

/** The element's connection state, reflected as the read-only `status` attribute. */
export type PodShellStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface StatusLayerState {
  status: PodShellStatus;
  hasToken: boolean;
  /** When the broker said the session will be closed (after `expiring`), if it did. */
  expiringAt: number | undefined;
  /** A non-fatal broker message (a refused refresh), already sanitized. */
  notice: string;
  /** Set while the session runs in a debug container (debug-banner.ts), else ''. */
  debugBanner: string;
  closeDetail: PodShellCloseDetail | undefined;
  onReconnect: () => void;
}

/**
 * The status layer over the terminal: connecting, expiry warnings and notices while connected,
 * and, once closed, why (with a Reconnect button). Every broker-provided string is bound as
 * text — Lit escapes it — never as HTML.
 */
export function renderStatusLayer(state: StatusLayerState): TemplateResult | typeof nothing {
  switch (state.status) {
    case 'idle':
      return state.hasToken
        ? nothing
        : html`<div part="status" class="status" data-status="idle" role="status">
            <span class="text">No session token: set the <code>token</code> attribute to open a shell.</span>
          </div>`;
    case 'connecting':
      return html`<div part="status" class="status" data-status="connecting" role="status">
        <span class="spinner" aria-hidden="true"></span><span class="text">Connecting…</span>
      </div>`;
    case 'reconnecting':
      return html`<div part="status" class="status" data-status="reconnecting" role="status">
        <span class="spinner" aria-hidden="true"></span><span class="text">Reconnecting…</span>
      </div>`;
    case 'connected': {
      const at = state.expiringAt;
      if (at === undefined && !state.notice && !state.debugBanner) return nothing;
      return html`<div
        part="status"
        class="status warning"
        data-status="connected"
        data-debug=${state.debugBanner ? 'true' : 'false'}
        role="status"
      >
        <span class="text">
          ${at !== undefined ? html`<span class="title">Session expires in ${formatRemaining(at, Date.now())}.</span>` : nothing}
          ${state.debugBanner ? html`<span part="debug-banner" class="debug">${state.debugBanner}</span>` : nothing}
          ${state.notice}
        </span>
      </div>`;
    }
    case 'closed': {
      const detail = state.closeDetail;
      return html`<div
        part="status"
        class="status"
        data-status="closed"
        data-code=${detail?.code ?? ''}
        data-exit=${detail?.exitCode ?? ''}
        role="alert"
      >
        <span class="text"><span class="title">Session closed.</span>${detail?.message ?? ''}</span>
        <button part="reconnect-button" type="button" @click=${state.onReconnect}>Reconnect</button>
      </div>`;
    }
  }
}
