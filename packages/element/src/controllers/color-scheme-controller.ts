import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Tracks `prefers-color-scheme: dark` for `theme="auto"`, calling `onChange` when it flips. */
export class ColorSchemeController implements ReactiveController {
  private query: MediaQueryList | undefined;
  private abort: AbortController | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly onChange: () => void,
  ) {
    host.addController(this);
  }

  get prefersDark(): boolean {
    return this.query?.matches ?? globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? true;
  }

  hostConnected(): void {
    if (typeof globalThis.matchMedia !== 'function') return;
    this.abort = new AbortController();
    this.query = globalThis.matchMedia('(prefers-color-scheme: dark)');
    this.query.addEventListener('change', () => this.onChange(), { signal: this.abort.signal });
  }

  hostDisconnected(): void {
    this.abort?.abort();
    this.abort = undefined;
    this.query = undefined;
  }
}
