#!/usr/bin/env node
// Audit sink cost: session.end lines through the broker's logger (pino + redaction) into an
// AUDIT_LOG_FILE with synchronous writes, against the same logger with a sink that discards (the
// formatting cost alone), in one run. Usage (after `npm run build`): node packages/broker/bench/audit-sink.mjs
import { createLogger } from '../dist/log/logger.js';
import { LogOutput } from '../dist/log/log-output.js';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const file = join(tmpdir(), `pod-shell-audit-bench-${process.pid}.jsonl`);
rmSync(file, { force: true });
const out = new LogOutput({ auditLogFile: file, auditBacklogBytes: 64 << 20 });
const logger = createLogger({ level: 'info', sink: () => {}, auditSink: out.audit, base: { replica: 'r1' } });
const fields = {
  session: 'AbCdEfGhIjKlMnOpQrStUv',
  tenant: 'acme',
  subject: 'alice@example.com',
  namespace: 'team-a',
  pod: 'web-7d9f8c-abcde',
  container: 'app',
  command: ['/bin/sh'],
  clientIp: '203.0.113.7',
  bytesIn: 1234,
  bytesOut: 567890,
  durationMs: 61234,
  exitCode: 0,
  closeCode: 1000,
  closeReason: 'exited',
  closeMessage: 'the command exited',
};
const N = 50000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) logger.info('session.end', fields);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
await out.flush();
rmSync(file, { force: true });
const opsLogger = createLogger({ level: 'info', sink: () => {} });
const t1 = process.hrtime.bigint();
for (let i = 0; i < N; i++) opsLogger.info('session.end', fields);
const s2 = Number(process.hrtime.bigint() - t1) / 1e9;
console.log(
  JSON.stringify({
    lines: N,
    fileSyncLinesPerSecond: Math.round(N / s),
    fileSyncMicrosPerLine: +((s / N) * 1e6).toFixed(1),
    formatOnlyMicrosPerLine: +((s2 / N) * 1e6).toFixed(1),
  }),
);
