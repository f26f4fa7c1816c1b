import { createHash, randomBytes } from 'node:crypto';
import { formatResumeCredential } from '@pod-shell/protocol';
import { OutputBuffer } from './output-buffer.js';
import type { ResourceGauges } from './resource-gauges.js';

/** A fresh resume secret: 256 random bits, base64url (never derived from the token or the session id). */
export function newResumeSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What the store keeps of a secret: its SHA-256 (hex). A store dump does not yield usable credentials. */
export function resumeSecretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * The resume side of one resumable session (its client offered `pod-shell.resumable.v1` and its
 * tenant's `limits.resumeGraceSeconds` is above 0): the current resume secret (its hash is in the
 * store; a successful resume replaces it), the output buffer replayed to a resuming client, and
 * whether the session is in its grace period (counted in `podshell_sessions_in_grace`, exactly once).
 * The session decides when grace starts and ends; this only keeps the state and the gauge honest.
 */
export class SessionResume {
  readonly buffer: OutputBuffer;
  private secret = newResumeSecret();
  private grace = false;

  constructor(
    private readonly gauges: ResourceGauges,
    readonly graceMs: number,
    bufferBytes: number,
  ) {
    this.buffer = new OutputBuffer(bufferBytes);
  }

  get currentSecret(): string {
    return this.secret;
  }

  /** SHA-256 of the current secret (what the store compares a presented secret with). */
  get hash(): string {
    return resumeSecretHash(this.secret);
  }

  /** The credential the next `hello` hands out. */
  credential(sessionId: string): string {
    return formatResumeCredential(sessionId, this.secret);
  }

  /** A resume was granted with `next` as the new secret (the store already holds its hash). */
  rotate(next: string): void {
    this.secret = next;
  }

  get inGrace(): boolean {
    return this.grace;
  }

  enterGrace(): void {
    if (this.grace) return;
    this.grace = true;
    this.gauges.inc('sessionsInGrace');
  }

  leaveGrace(): void {
    if (!this.grace) return;
    this.grace = false;
    this.gauges.dec('sessionsInGrace');
  }

  /** The session ended: leave grace (gauge) and drop the buffered output. */
  dispose(): void {
    this.leaveGrace();
    this.buffer.clear();
  }
}
