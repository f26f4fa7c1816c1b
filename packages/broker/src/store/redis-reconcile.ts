import type { Logger } from '../log/logger.js';
import type { ScriptedRedis } from './redis-commands.js';
import { encodeRecord } from './redis-codec.js';
import type { RedisControlChannel } from './redis-control-channel.js';
import { findMissedCommands } from './redis-missed-commands.js';
import type { SessionRecord } from './session-store.js';

/**
 * What this replica knows to be true about its own sessions, and the repair that makes Redis agree.
 * Redis may diverge from it: a release or an expiry update lost in an outage, an acquire whose reply
 * was lost, a heartbeat key that lapsed (other replicas then reaped our sessions). Any of those marks
 * the ledger as needing a reconcile; the next heartbeat then first replays the control commands
 * missed meanwhile (a kill, a revoke, a shortened expiry), and only then re-registers exactly the
 * sessions still held and removes the rest, in one script.
 */
export class RedisReconciler {
  /** Sessions this replica registered and has not released: the truth reconcile restores. */
  private readonly mine = new Map<string, SessionRecord>();
  /** Acquires sent but not answered: reconcile must neither remove nor re-register them. */
  private readonly inFlight = new Map<string, string>();
  /** Sessions whose latest local expiry may not have reached Redis yet (refresh during an outage). */
  private readonly expiryDirty = new Set<string>();
  private needed = true;

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly replicaId: string,
    private readonly graceMs: number,
    private readonly channel: RedisControlChannel,
    private readonly log: Logger,
  ) {}

  /** Redis may no longer match the ledger: the next heartbeat reconciles. */
  markNeeded(): void {
    this.needed = true;
  }

  /** An acquire is being sent for `rec` (until `acquireSettled`, reconcile leaves the session alone). */
  acquireSent(rec: SessionRecord): void {
    this.inFlight.set(rec.id, `${rec.id} ${rec.tenant}`);
  }

  acquireSettled(sessionId: string): void {
    this.inFlight.delete(sessionId);
  }

  acquired(rec: SessionRecord): void {
    this.mine.set(rec.id, { ...rec });
  }

  released(sessionId: string): void {
    this.mine.delete(sessionId);
    this.expiryDirty.delete(sessionId);
  }

  /** The local expiry changed; until Redis has it, it is the truth: a replay must not undo it. */
  expiryChanged(sessionId: string, expiresAt: number): void {
    const local = this.mine.get(sessionId);
    if (local) local.expiresAt = expiresAt;
    this.expiryDirty.add(sessionId);
  }

  /** Redis stored `expiresAt`; the session is clean unless its expiry changed again meanwhile. */
  expiryStored(sessionId: string, expiresAt: number): void {
    if (this.mine.get(sessionId)?.expiresAt === expiresAt) this.expiryDirty.delete(sessionId);
  }

  /** From a heartbeat: replays and reconciles when marked. Throws on a Redis failure (and stays marked). */
  async repairIfNeeded(): Promise<void> {
    if (!this.needed) return;
    await this.replayMissed();
    await this.reconcile();
  }

  /**
   * Applies kills, revokes and expiry changes this replica may have missed while disconnected,
   * before reconcile re-registers its sessions (which would otherwise restore a shortened expiry).
   * The handler acts synchronously (a kill releases, a set-expiry updates `mine`).
   */
  private async replayMissed(): Promise<void> {
    if (!this.channel.hasHandler) return;
    const missed = await findMissedCommands(this.redis, [...this.mine.values()]);
    for (const command of missed) {
      if (command.kind === 'set-expiry') {
        if (this.expiryDirty.has(command.sessionId)) continue;
        // Redis holds the operator's shorter expiry: adopt it, so the reconcile below keeps it.
        const local = this.mine.get(command.sessionId);
        if (local) local.expiresAt = command.expiresAt;
      }
      this.log.info('store.control_replayed', {
        kind: command.kind,
        session: 'sessionId' in command ? command.sessionId : undefined,
      });
      this.channel.deliver(command);
    }
  }

  private async reconcile(): Promise<void> {
    // Snapshot and send in the same tick: nothing can be released in between.
    this.needed = false;
    const live = [...this.mine.values()].map(encodeRecord);
    const sentExpiry = new Map(live.map((r) => [r['id']!, Number(r['expiresAt'])]));
    try {
      const [removed, registered] = await this.redis.psReconcile(
        this.replicaId,
        this.graceMs,
        JSON.stringify(live),
        JSON.stringify([...this.inFlight.values()]),
      );
      // Expiries written by the reconcile are in Redis now, unless they changed meanwhile.
      for (const [id, exp] of sentExpiry) this.expiryStored(id, exp);
      if (removed > 0 || registered > 0) this.log.info('store.reconciled', { removed, registered });
    } catch (err) {
      this.needed = true;
      throw err;
    }
  }
}
