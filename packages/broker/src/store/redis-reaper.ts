import type { Logger } from '../log/logger.js';
import { AUDIT_BUDGET } from './redis-audit.js';
import type { ScriptedRedis } from './redis-commands.js';
import { recordFromFields } from './redis-codec.js';
import { REAPER_LOCK_KEY, keys } from './redis-scripts.js';
import type { SessionRecord } from './session-store.js';

/**
 * Removes the sessions of replicas that died: a replica whose heartbeat key lapsed no longer holds
 * its sessions, so they must stop counting against their tenants' quotas. Every replica runs the
 * reaper every quarter heartbeat period (jittered), but a short lock lets only one reap at a time,
 * and a replica never reaps itself. The handler registered with `onReaped` is told which sessions
 * went (the broker ends their remote shells: the dead replica cannot). Under the same lock, each run
 * also offers to take the fleet's next audit step (redis-audit.ts), due once per period.
 */
export class RedisReaper {
  private reapedHandler: ((records: SessionRecord[]) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reaping: Promise<number> | null = null;
  private stopped = false;

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly replicaId: string,
    private readonly periodMs: number,
    private readonly log: Logger,
  ) {}

  /** Arms the next run (and, after it, the one after). */
  schedule(): void {
    if (this.stopped) return;
    // Every quarter period, jittered so replicas do not all wake together.
    const delay = (this.periodMs / 4) * (0.75 + Math.random() * 0.5);
    this.timer = setTimeout(() => {
      this.reaping = this.reap().finally(() => {
        this.reaping = null;
        this.schedule();
      });
    }, delay);
    this.timer.unref();
  }

  /** No further runs; resolves once a run in progress finished (so the lock is never left behind). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.reaping;
  }

  onReaped(handler: (records: SessionRecord[]) => void): () => void {
    this.reapedHandler = handler;
    return () => {
      if (this.reapedHandler === handler) this.reapedHandler = null;
    };
  }

  /**
   * One run: removes the sessions of replicas whose heartbeat key is gone, then one audit step.
   * Returns how many sessions went. Never throws.
   */
  async reap(): Promise<number> {
    if (this.redis.status !== 'ready') return 0;
    let total = 0;
    try {
      const locked = await this.redis.set(REAPER_LOCK_KEY, this.replicaId, 'PX', Math.max(this.periodMs, 1000), 'NX');
      if (locked !== 'OK') return 0;
      try {
        for (const replica of await this.redis.smembers(keys.replicas())) {
          if (replica === this.replicaId) continue;
          const reaped = await this.redis.psReap(replica);
          if (typeof reaped === 'number') continue; // alive
          const records = reaped.map(recordFromFields).filter((r): r is SessionRecord => r !== null);
          total += records.length;
          this.log.info('store.replica_reaped', { dead: replica, sessions: records.length });
          if (records.length > 0) this.notifyReaped(records);
        }
        const audited = Math.max(await this.redis.psAudit(AUDIT_BUDGET, this.periodMs), 0);
        if (audited > 0) this.log.info('store.audit_removed', { sessions: audited });
        total += audited;
      } finally {
        await this.redis.psUnlock(REAPER_LOCK_KEY, this.replicaId);
      }
    } catch (err) {
      this.log.debug('store.reap_failed', { err });
    }
    return total;
  }

  private notifyReaped(records: SessionRecord[]): void {
    try {
      this.reapedHandler?.(records);
    } catch (err) {
      this.log.error('store.reaped_handler_failed', { err });
    }
  }
}
