import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Container resizes closer together than this are coalesced into one fit (and one resize frame). */
export const RESIZE_DEBOUNCE_MS = 50;

/**
 * Watches the terminal's container with a ResizeObserver and calls `onResize` once the size has
 * settled, so dragging a splitter sends a handful of resize frames rather than hundreds.
 */
export class ResizeController implements ReactiveController {
  private observer: ResizeObserver | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly onResize: () => void,
    private readonly debounceMs = RESIZE_DEBOUNCE_MS,
  ) {
    host.addController(this);
  }

  observe(element: Element): void {
    this.disconnect();
    this.observer = new ResizeObserver(() => this.schedule());
    this.observer.observe(element);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.disconnect();
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onResize();
    }, this.debounceMs);
  }

  private disconnect(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
