import { css } from 'lit';

/** The file transfer layer: a panel at the bottom of the terminal, the drop hint, the download button. */
export const transferStyles = css`
  .transfer-panel {
    position: absolute;
    left: 8px;
    right: 8px;
    bottom: 8px;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px 10px;
    padding: 8px 10px;
    border-radius: 6px;
    background: var(--pod-shell-status-background, rgba(20, 20, 20, 0.92));
    color: var(--pod-shell-status-foreground, #eee);
    font: 13px var(--pod-shell-status-font, system-ui, sans-serif);
    z-index: 3;
  }
  .transfer-panel label {
    display: flex;
    flex: 1 1 auto;
    align-items: center;
    gap: 6px;
    flex-wrap: wrap;
  }
  .transfer-panel input {
    flex: 1 1 12em;
    font:
      13px ui-monospace,
      monospace;
  }
  .transfer-panel .transfer-text {
    flex: 1 1 auto;
  }
  .transfer-panel progress {
    flex: 1 1 100%;
    order: 3;
    height: 8px;
  }
  .transfer-panel[data-ok='false'] {
    outline: 1px solid #d66;
  }
  .transfer-drop {
    position: absolute;
    inset: 6px;
    display: flex;
    align-items: center;
    justify-content: center;
    border: 2px dashed currentColor;
    border-radius: 8px;
    background: rgba(30, 80, 160, 0.35);
    color: #fff;
    font:
      600 15px system-ui,
      sans-serif;
    pointer-events: none;
    z-index: 3;
  }
  .transfer-download {
    position: absolute;
    top: 6px;
    right: 14px;
    z-index: 2;
    padding: 0 6px;
    border: 0;
    border-radius: 4px;
    opacity: 0.55;
    background: var(--pod-shell-status-background, rgba(20, 20, 20, 0.9));
    color: var(--pod-shell-status-foreground, #eee);
    font-size: 15px;
    cursor: pointer;
  }
  .transfer-download:hover,
  .transfer-download:focus-visible {
    opacity: 1;
  }
`;
