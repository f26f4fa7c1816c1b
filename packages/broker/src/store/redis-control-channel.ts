import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { orUnavailable } from './redis-commands.js';
import { parseControlCommand } from './redis-codec.js';
import { MARKER_TTL_SECONDS, markerFor } from './redis-missed-commands.js';
import { CONTROL_CHANNEL } from './redis-scripts.js';
import type { ControlCommand } from './session-store.js';

/**
 * The control channel between replicas (Redis pub/sub on `ps:control`): kill, revoke and set-expiry
 * reach every replica, which acts on the sessions it holds. Its own subscriber connection queues the
 * SUBSCRIBE until connected and retries forever (it carries no request path). A malformed message is
 * dropped, never acted on; a throwing handler is logged, never thrown into ioredis. Pub/sub is
 * at-most-once, so kills also leave markers (redis-missed-commands.ts), and when the subscriber
 * comes back after an outage `onResubscribed` asks the store to look for what it missed.
 */
export class RedisControlChannel {
  private readonly sub: Redis;
  private handler: ((c: ControlCommand) => void) | null = null;
  /** Settles once subscribed (true) or once subscribing failed (false, logged). */
  readonly subscribed: Promise<boolean>;

  constructor(
    private readonly redis: Redis,
    replicaId: string,
    private readonly log: Logger,
    onResubscribed: () => void,
  ) {
    this.sub = redis.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
      connectionName: `pod-shell:${replicaId}:sub`,
    });
    this.sub.on('error', () => undefined);
    // Messages published while the subscriber was away are lost: look for them on its return.
    let subWasUp = false;
    this.sub.on('ready', () => {
      if (subWasUp) onResubscribed();
      subWasUp = true;
    });
    this.sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    this.subscribed = this.sub.subscribe(CONTROL_CHANNEL).then(
      () => true,
      (err: unknown) => {
        this.log.warn('store.subscribe_failed', { err });
        return false;
      },
    );
  }

  /** Publishes; kills and revokes also leave a marker, so a replica that missed the message applies it on reconnect. */
  publish(command: ControlCommand): Promise<void> {
    return orUnavailable('publish', async () => {
      const marker = markerFor(command, Date.now());
      const tx = this.redis.multi();
      if (marker) tx.set(marker.key, marker.value, 'EX', MARKER_TTL_SECONDS);
      tx.publish(CONTROL_CHANNEL, JSON.stringify(command));
      const res = await tx.exec();
      const failed = res?.find(([err]) => err !== null)?.[0];
      if (failed) throw failed;
    });
  }

  subscribe(handler: (command: ControlCommand) => void): () => void {
    this.handler = handler;
    return () => {
      if (this.handler === handler) this.handler = null;
    };
  }

  get hasHandler(): boolean {
    return this.handler !== null;
  }

  /** Hands one command to the handler (a message, or a replay of one this replica missed). */
  deliver(command: ControlCommand): void {
    if (!this.handler) return;
    try {
      this.handler(command);
    } catch (err) {
      this.log.error('store.control_handler_failed', { kind: command.kind, err });
    }
  }

  /** From the store's close: no command is delivered any more. */
  stopDelivering(): void {
    this.handler = null;
  }

  disconnect(): void {
    this.sub.disconnect();
  }

  private onMessage(channel: string, message: string): void {
    if (channel !== CONTROL_CHANNEL || !this.handler) return;
    const command = parseControlCommand(message);
    if (!command) {
      this.log.warn('store.control_malformed', { length: message.length });
      return;
    }
    this.deliver(command);
  }
}
