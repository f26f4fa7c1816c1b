import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Re-renders the host once a second while a deadline is being shown ("expires in 42 s"). */
export class CountdownController implements ReactiveController {
  private timer: ReturnType<typeof setInterval> | undefined;
  private deadline: number | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** The deadline being counted down to (ms since the epoch), if any. */
  get at(): number | undefined {
    return this.deadline;
  }

  start(at: number): void {
    this.deadline = at;
    if (this.timer === undefined) this.timer = setInterval(() => this.host.requestUpdate(), 1000);
    this.host.requestUpdate();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.deadline !== undefined) {
      this.deadline = undefined;
      this.host.requestUpdate();
    }
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.stop();
  }
}
