import { randomBytes } from 'node:crypto';
import type { AuthorizedSession } from '../auth/authorized-session.js';
import { ErrorCode, PodShellError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { BrokerMetrics } from '../metrics/metrics.js';
import type { ResourceGauges } from '../session/resource-gauges.js';
import { sessionWho } from '../session/session-identity.js';

export type TransferDirection = 'upload' | 'download';

/** What /debug/sessions shows of a transfer (no content, no token). */
export interface TransferInfo {
  id: string;
  tenant: string;
  subject: string;
  namespace: string;
  pod: string;
  container: string;
  direction: TransferDirection;
  path: string;
  bytes: number;
  startedAt: number;
  state: string;
}

/**
 * One file transfer, the one owner of its lifetime: counted in `podshell_file_transfers_in_flight`
 * from `begin` until `finish` (which runs exactly once, after an upload's partial files are gone),
 * audited as `file.start` / `file.end`, measured in bytes, seconds and outcome. `cancel()` is what a
 * client abort, the time limit or a drain calls: it ends the running exec through `onCancel`.
 */
export class FileTransfer {
  readonly id = randomBytes(12).toString('base64url');
  readonly startedAt = Date.now();
  bytes = 0;
  state = 'starting';
  cancelled: PodShellError | null = null;
  private finished = false;
  private cancelHook: (() => void) | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      logger: Logger;
      metrics: BrokerMetrics;
      gauges: ResourceGauges;
      forget(t: FileTransfer): void;
    },
    readonly auth: AuthorizedSession,
    readonly direction: TransferDirection,
    readonly path: string,
    readonly clientIp: string,
    maxSeconds: number,
  ) {
    deps.gauges.inc('fileTransfers');
    this.timer = setTimeout(
      () =>
        this.cancel(
          new PodShellError(
            ErrorCode.FILE_TRANSFER_FAILED,
            `the transfer took longer than ${maxSeconds} s and was ended`,
          ),
        ),
      maxSeconds * 1000,
    );
    deps.logger.info('file.start', { ...this.audit(), clientIp });
  }

  private audit(): Record<string, unknown> {
    return { transfer: this.id, ...sessionWho(this.auth), direction: this.direction, path: this.path };
  }

  /** What ends the running step when the transfer is cancelled; replaced at each step. */
  onCancel(hook: (() => void) | null): void {
    this.cancelHook = hook;
    if (hook !== null && this.cancelled !== null) hook();
  }

  /** Cancels the transfer (idempotent): the current step ends, and the flow cleans up and finishes. */
  cancel(reason: PodShellError): void {
    if (this.cancelled !== null || this.finished) return;
    this.cancelled = reason;
    this.cancelHook?.();
  }

  /** Throws the cancellation reason once cancelled (checked after every await). */
  throwIfCancelled(): void {
    if (this.cancelled !== null) throw this.cancelled;
  }

  info(): TransferInfo {
    return {
      id: this.id,
      tenant: this.auth.tenant.name,
      subject: this.auth.subject,
      namespace: this.auth.namespace,
      pod: this.auth.pod,
      container: this.auth.container ?? '',
      direction: this.direction,
      path: this.path,
      bytes: this.bytes,
      startedAt: this.startedAt,
      state: this.state,
    };
  }

  /** Ends the transfer exactly once: gauge, metrics, audit line. `error` null = success. */
  finish(error: PodShellError | null, extra: Record<string, unknown> = {}): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.cancelHook = null;
    const { metrics, logger, gauges } = this.deps;
    const outcome = error === null ? 'ok' : error.reason;
    const durationMs = Date.now() - this.startedAt;
    metrics.fileTransfersTotal.inc({ direction: this.direction, outcome });
    metrics.fileTransferBytes.inc({ direction: this.direction }, this.bytes);
    metrics.fileTransferSeconds.observe({ direction: this.direction }, durationMs / 1000);
    logger.info('file.end', {
      ...this.audit(),
      ...extra,
      bytes: this.bytes,
      durationMs,
      outcome,
      ...(error === null ? {} : { code: error.code, message: error.message }),
    });
    gauges.dec('fileTransfers');
    this.deps.forget(this);
  }
}

/** The live transfers of one broker: per-tenant concurrency, the debug listing, drain. */
export class TransferRegistry {
  private readonly live = new Set<FileTransfer>();

  constructor(private readonly deps: { logger: Logger; metrics: BrokerMetrics; gauges: ResourceGauges }) {}

  /** Starts a transfer, or throws QUOTA_EXCEEDED when the tenant already runs `maxConcurrent` here. */
  begin(
    auth: AuthorizedSession,
    direction: TransferDirection,
    path: string,
    clientIp: string,
    limits: { maxConcurrent: number; maxSeconds: number },
  ): FileTransfer {
    const running = [...this.live].filter((t) => t.auth.tenant.name === auth.tenant.name).length;
    if (running >= limits.maxConcurrent)
      throw new PodShellError(
        ErrorCode.QUOTA_EXCEEDED,
        `This tenant already runs ${running} file transfers on this replica (the limit is ${limits.maxConcurrent}); try again when one ended.`,
      );
    const t = new FileTransfer(
      { ...this.deps, forget: (x) => this.live.delete(x) },
      auth,
      direction,
      path,
      clientIp,
      limits.maxSeconds,
    );
    this.live.add(t);
    return t;
  }

  list(): TransferInfo[] {
    return [...this.live].map((t) => t.info());
  }

  get size(): number {
    return this.live.size;
  }

  /** Drain: every running transfer is cancelled (uploads still remove their partial files). */
  cancelAll(): void {
    for (const t of this.live)
      t.cancel(new PodShellError(ErrorCode.DRAINING, 'The broker is shutting down; the transfer was ended.'));
  }
}
