import { pino } from 'pino';
import type { LogSink } from './logger.js';

/** The most operational log output held in memory while stdout cannot take it; beyond it those lines are dropped and counted. */
const MAX_PENDING_LOG_BYTES = 4 * 1024 * 1024;

export interface LogOutputMetrics {
  logLinesDropped: { inc(): void };
  auditBacklogBytes: { set(value: number): void };
}

/**
 * Where the CLI's log lines go: stdout for operational lines, and for audit lines either stdout too
 * or AUDIT_LOG_FILE (docs/operations.md "Logs and audit").
 *
 * stdout is put in non-blocking mode: Node makes stdout pipes synchronous on Linux, so a slow log
 * reader would block the event loop inside write(2) and stall every session. Lines wait in memory
 * instead. Operational lines past MAX_PENDING_LOG_BYTES of backlog are dropped (counted in
 * podshell_log_lines_dropped_total, and reported in one `log.dropped` line once stdout caught up). Audit lines are
 * never dropped: they wait in the same ordered queue (so lines never interleave mid-line), and while
 * the backlog is above AUDIT_BACKLOG_BYTES `auditBacklogged()` is true and the broker refuses new
 * sessions (PS_ERR_AUDIT_BACKLOG): the backpressure lands on new work, not on the audit trail.
 *
 * With AUDIT_LOG_FILE, audit lines are appended to that file with synchronous writes: each line is
 * in the kernel before the session or admin action goes on (a stalled disk stalls the broker rather
 * than losing the line).
 */
export class LogOutput {
  private dropped = 0;
  private readonly auditFile: ReturnType<typeof pino.destination> | null;
  readonly log: LogSink;
  readonly audit: LogSink;

  constructor(
    private readonly options: {
      auditLogFile?: string | undefined;
      auditBacklogBytes: number;
      metrics?: LogOutputMetrics;
    },
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {
    const handle = (out as unknown as { _handle?: { setBlocking?: (b: boolean) => void } })._handle;
    handle?.setBlocking?.(false);
    this.auditFile =
      options.auditLogFile !== undefined
        ? pino.destination({ dest: options.auditLogFile, sync: true, mkdir: true, append: true })
        : null;
    this.log = (line) => this.writeLog(line);
    const file = this.auditFile;
    this.audit = file !== null ? (line) => void file.write(`${line}\n`) : (line) => this.write(line);
  }

  /** Bytes handed to stdout that it has not taken yet. */
  get backlogBytes(): number {
    return this.out.writableLength;
  }

  /** True while audit lines would wait behind more than AUDIT_BACKLOG_BYTES: new sessions are refused. */
  auditBacklogged(): boolean {
    const backlog = this.backlogBytes;
    this.options.metrics?.auditBacklogBytes.set(backlog);
    return this.auditFile === null && backlog > this.options.auditBacklogBytes;
  }

  private writeLog(line: string): void {
    if (this.out.writableLength > MAX_PENDING_LOG_BYTES) {
      // The first drop of a run arms the report for when stdout has caught up.
      if (this.dropped++ === 0) this.out.once('drain', () => this.reportDropped());
      this.options.metrics?.logLinesDropped.inc();
      return;
    }
    this.reportDropped();
    this.write(line);
  }

  /** One `log.dropped` line with the number of operational lines dropped since the last report. */
  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.write(
      JSON.stringify({ level: 'warn', time: new Date().toISOString(), lines: this.dropped, event: 'log.dropped' }),
    );
    this.dropped = 0;
  }

  private write(line: string): void {
    this.out.write(`${line}\n`);
  }

  /** Resolves once stdout took every pending line (bounded by the caller's own timer); flushes the audit file. */
  flush(): Promise<void> {
    this.auditFile?.flushSync();
    if (this.out.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.out.write('', () => resolve()));
  }
}
