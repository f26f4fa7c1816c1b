import { WebSocket } from 'ws';
import type { KubeSim } from '@pod-shell/kube-sim';
import { stringify } from 'yaml';
import { mintToken } from '../auth/token-mint.js';
import { parseTenants } from '../tenants/tenants-file.js';
import type { Tenant } from '../tenants/tenant.js';
import { spawnBroker, type BrokerProcess } from './broker-process.js';
import { ADMIN_TOKEN, TEST_ORIGIN, tenantDoc } from './harness.js';

/**
 * Session churn against one broker process, for the memory-after-peak check (memory-after-peak.test.ts)
 * and its benchmark (bench/memory-after-peak.mjs): open N sessions to kube-sim's light pod, see each
 * shell answer, close them all, read the broker's memory from /debug/resources.
 */
export interface ChurnBroker {
  process: BrokerProcess;
  tenant: Tenant;
  stop(): Promise<void>;
}

export interface MemorySample extends NodeJS.MemoryUsage {
  /** Sessions the broker still holds (podshell_sessions_active). */
  sessions: number;
}

export async function startChurnBroker(
  sim: Pick<KubeSim, 'url' | 'kubeconfig' | 'caCert'>,
  env: Record<string, string>,
  maxSessions: number,
): Promise<ChurnBroker> {
  const doc = tenantDoc({
    endOrphanedShells: false,
    limits: { maxConcurrentSessions: maxSessions, connectsPerMinute: 1000000 },
  });
  const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'churn.yaml', baseDir: '/' })[0]!;
  const proc = await spawnBroker(sim as KubeSim, { KEEPALIVE_SECONDS: '60', ...env }, [doc]);
  return {
    process: proc,
    tenant,
    stop: async () => {
      await proc.stop();
    },
  };
}

export async function memorySample(b: ChurnBroker): Promise<MemorySample> {
  const res = await fetch(`http://127.0.0.1:${b.process.adminPort}/debug/resources`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const body = (await res.json()) as { memory: NodeJS.MemoryUsage; gauges: Record<string, number> };
  return { ...body.memory, sessions: body.gauges['sessionsActive'] ?? -1 };
}

function openOne(b: ChurnBroker): Promise<WebSocket> {
  const token = mintToken({
    tenant: b.tenant,
    sub: 'churn',
    target: { namespace: 'default', pod: 'echo-0' },
    ttlSeconds: 3600,
  });
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `ws://127.0.0.1:${b.process.port}/v1/session`,
      ['pod-shell.v1', `pod-shell.bearer.${token}`],
      { origin: TEST_ORIGIN },
    );
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`session closed with ${code} before it opened`)));
  });
}

/**
 * Opens `count` sessions (50 connecting at a time), samples memory at the peak, closes them all and
 * waits until the broker holds none. Returns the peak sample.
 */
export async function churnRound(b: ChurnBroker, count: number): Promise<MemorySample> {
  const open: WebSocket[] = [];
  for (let i = 0; i < count; i += 50)
    open.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => openOne(b)))));
  const peak = await memorySample(b);
  await Promise.all(
    open.map(
      (ws) =>
        new Promise((resolve) => {
          ws.once('close', resolve);
          ws.close();
        }),
    ),
  );
  for (let i = 0; (await memorySample(b)).sessions > 0; i++) {
    if (i > 200) throw new Error('the broker still holds sessions 10 s after every client closed');
    await new Promise((r) => setTimeout(r, 50));
  }
  return peak;
}

/** Trims the broker has logged (`memory.trimmed`) so far. */
export function trimCount(b: ChurnBroker): number {
  return b.process.logs.filter((l) => l['event'] === 'memory.trimmed').length;
}

/** Resolves when the broker has logged more than `seen` trims (awaits its log output, no polling). */
export function trimmed(b: ChurnBroker, seen: number, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = b.process.child.stdout!;
    const check = (): void => {
      if (trimCount(b) <= seen) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no memory trim within ${timeoutMs} ms`));
    }, timeoutMs);
    // The broker-process reader parses each chunk first (it was registered first): check after it.
    const onData = (): void => void setImmediate(check);
    const done = (): void => {
      clearTimeout(timer);
      out.off('data', onData);
    };
    out.on('data', onData);
    check();
  });
}
