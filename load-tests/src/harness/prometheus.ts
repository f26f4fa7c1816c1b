import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './processes.js';

/**
 * A real Prometheus server (Debian's `prometheus`) for one load run: a generated config that scrapes
 * the broker's admin /metrics with its bearer token every second, a temporary TSDB, a free port.
 * Assertions go through its HTTP API (PromQL), as an operator's alerts would.
 */
export interface PrometheusServer {
  readonly url: string;
  /** An instant query; returns the single sample's value, or null when the result is empty. */
  scalar(promql: string, at?: number): Promise<number | null>;
  /** Resolves once a scrape newer than `afterMs` has landed (so "now" includes what happened before it). */
  scrapedAfter(afterMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(target: {
  host: string;
  port: number;
  token: string;
}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pod-shell-prometheus-'));
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(tokenFile, target.token, { mode: 0o600 });
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 900ms',
    'scrape_configs:',
    '  - job_name: pod-shell-broker',
    '    metrics_path: /metrics',
    '    authorization:',
    '      type: Bearer',
    `      credentials_file: ${tokenFile}`,
    '    static_configs:',
    `      - targets: ['${target.host}:${target.port}']`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const api = async (path: string): Promise<{ status: string; data: { result: { value: [number, string] }[] } }> => {
    const res = await fetch(`${url}${path}`);
    return (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  };
  await waitFor(
    async () => (await fetch(`${url}/-/ready`).catch(() => null))?.ok === true,
    30_000,
    () => `prometheus did not become ready: ${stderr}`,
  );
  const server: PrometheusServer = {
    url,
    async scalar(promql, at) {
      const q = `/api/v1/query?query=${encodeURIComponent(promql)}${at ? `&time=${at / 1000}` : ''}`;
      const body = await api(q);
      if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${JSON.stringify(body)}`);
      const r = body.data.result;
      return r.length === 0 ? null : Number(r[0]!.value[1]);
    },
    async scrapedAfter(afterMs) {
      await waitFor(
        async () => {
          const t = await server.scalar('timestamp(up{job="pod-shell-broker"})');
          return t !== null && t * 1000 > afterMs;
        },
        15_000,
        () => 'no scrape of the broker landed in Prometheus',
      );
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // The first scrape proves the bearer token and the target work.
  await waitFor(
    async () => (await server.scalar('up{job="pod-shell-broker"}')) === 1,
    20_000,
    () => `prometheus cannot scrape the broker admin /metrics: ${stderr}`,
  );
  return server;
}
