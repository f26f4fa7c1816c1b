import { css, unsafeCSS, type CSSResultGroup } from 'lit';
import { xtermCss } from './styles/xterm-css.js';

/**
 * xterm's own stylesheet is adopted inside the shadow root (a page stylesheet cannot reach it
 * there), followed by the element's layout and its status layer.
 */
const styles: CSSResultGroup = [
  unsafeCSS(xtermCss),
  css`
    :host {
      display: block;
      position: relative;
      box-sizing: border-box;
      height: 24rem;
      min-height: 4rem;
      overflow: hidden;
      border-radius: var(--pod-shell-border-radius, 6px);
      contain: content;
    }

    :host([hidden]) {
      display: none;
    }

    .base {
      position: absolute;
      inset: 0;
      display: flex;
      flex-direction: column;
    }

    /* Not ".terminal": xterm puts that class on its own root element. */
    .terminal-box {
      flex: 1 1 auto;
      min-height: 0;
      box-sizing: border-box;
      padding: var(--pod-shell-padding, 6px 4px 6px 10px);
    }

    .terminal-box > .xterm {
      height: 100%;
    }

    /* xterm paints only the grid with the theme; the rest of the box shows the host's background. */
    .xterm .xterm-viewport {
      background-color: transparent;
    }

    .status {
      position: absolute;
      inset: auto 12px 12px auto;
      max-width: min(32rem, calc(100% - 24px));
      display: flex;
      align-items: center;
      gap: 10px;
      padding: 8px 12px;
      border-radius: 6px;
      font: 13px/1.4 var(--pod-shell-status-font, system-ui, -apple-system, 'Segoe UI', sans-serif);
      color: var(--pod-shell-status-foreground, #f4f4f5);
      background: var(--pod-shell-status-background, rgba(24, 24, 27, 0.92));
      box-shadow: 0 2px 10px rgba(0, 0, 0, 0.35);
      z-index: 10;
    }

    .status[data-status='connecting'] {
      inset: 12px 12px auto auto;
    }

    .status[data-status='closed'] {
      inset: auto 12px 12px 12px;
      max-width: none;
      border-left: 3px solid var(--pod-shell-status-error, #ef4444);
    }

    .status[data-status='closed'][data-exit='0'] {
      border-left-color: var(--pod-shell-status-ok, #22c55e);
    }

    .status.warning {
      inset: 12px 12px auto auto;
      border-left: 3px solid var(--pod-shell-status-warning, #f59e0b);
    }

    .status .text {
      flex: 1 1 auto;
      overflow-wrap: anywhere;
    }

    .status .title {
      font-weight: 600;
      margin-right: 6px;
    }

    .spinner {
      width: 12px;
      height: 12px;
      flex: none;
      border-radius: 50%;
      border: 2px solid currentColor;
      border-right-color: transparent;
      animation: spin 0.8s linear infinite;
    }

    @keyframes spin {
      to {
        transform: rotate(360deg);
      }
    }

    @media (prefers-reduced-motion: reduce) {
      .spinner {
        animation: none;
      }
    }

    button {
      flex: none;
      font: inherit;
      font-weight: 600;
      color: var(--pod-shell-button-foreground, #18181b);
      background: var(--pod-shell-button-background, #e4e4e7);
      border: 0;
      border-radius: 4px;
      padding: 4px 12px;
      cursor: pointer;
    }

    button:hover {
      filter: brightness(1.08);
    }

    button:focus-visible {
      outline: 2px solid var(--pod-shell-focus-ring, #60a5fa);
      outline-offset: 2px;
    }

    .observers {
      position: absolute;
      right: 8px;
      bottom: 8px;
      font:
        12px/1.4 system-ui,
        sans-serif;
      color: var(--pod-shell-button-foreground, #18181b);
      background: var(--pod-shell-button-background, #e4e4e7);
      border-radius: 4px;
      padding: 2px 8px;
      opacity: 0.85;
      pointer-events: none;
    }
  `,
];

export default styles;
