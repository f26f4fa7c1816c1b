import type { ResourceGauges } from '../session/resource-gauges.js';

/**
 * The owner of a broker's store subscriptions (the control channel, reaped sessions). Each is held
 * from the moment it is made, counted in `podshell_store_subscriptions`, and released exactly once:
 * by drain, or at once when the broker fails to start (a port in use must not leave a handler on
 * a store the caller keeps using).
 */
export class StoreSubscriptions {
  private readonly held = new Set<() => void>();

  constructor(private readonly gauges: Pick<ResourceGauges, 'inc' | 'dec'>) {}

  /** Holds a subscription; returns its idempotent release. */
  hold(unsubscribe: () => void): () => void {
    this.gauges.inc('storeSubscriptions');
    const release = (): void => {
      if (!this.held.delete(release)) return;
      this.gauges.dec('storeSubscriptions');
      unsubscribe();
    };
    this.held.add(release);
    return release;
  }

  /** Releases every subscription still held. */
  releaseAll(): void {
    for (const release of [...this.held]) release();
  }
}
