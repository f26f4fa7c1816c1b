import { PodShell } from './pod-shell.component.js';

export * from './pod-shell.component.js';
export type * from './events.js';

// Registering twice throws; a page that loads the bundle and the npm build keeps the first.
if (!customElements.get('pod-shell')) customElements.define('pod-shell', PodShell);

declare global {
  interface HTMLElementTagNameMap {
    'pod-shell': PodShell;
  }
}
