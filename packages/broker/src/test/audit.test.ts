import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import { stringify } from 'yaml';
import { mintToken } from '../auth/token-mint.js';
import { parseTenants } from '../tenants/tenants-file.js';
import { spawnBroker, type BrokerProcess } from './broker-process.js';
import { TestClient, UpgradeRefused } from './client.js';
import { simFixture, tenantDoc, TEST_ORIGIN } from './harness.js';

/**
 * Issue 8 item 8: audit lines (session.start, session.end, session.rejected, admin actions) are never
 * dropped, even while stdout is not being read, and session.end carries the exit code and the full
 * command. Real CLI process, its stdout a pipe this test stops reading.
 */
const EXIT_COMMAND = ['sh', '-c', 'echo audited; exit 3'];
const doc = tenantDoc({ allowedCommands: [['/bin/sh'], EXIT_COMMAND] });
const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'audit.yaml', baseDir: '/' })[0]!;

/** About `bytes` of operational log lines: upgrades refused for a long foreign origin (each logged as upgrade.refused). */
async function floodRefusals(port: number, bytes: number): Promise<void> {
  const origin = `https://${'x'.repeat(3000)}.example`;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/v1/session',
        agent,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-protocol': `pod-shell.v1, pod-shell.bearer.${mintToken({ tenant, sub: 'flood', target: { namespace: 'default', pod: 'demo' }, ttlSeconds: 600 })}`,
          origin,
        },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 403 ? resolve() : reject(new Error(`expected 403, got ${res.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end();
    });
  const count = Math.ceil(bytes / origin.length);
  for (let i = 0; i < count; i += 4) await Promise.all([one(), one(), one(), one()]);
  agent.destroy();
}

async function exitingSession(b: BrokerProcess): Promise<string> {
  const token = mintToken({
    tenant,
    sub: 'auditor',
    target: { namespace: 'default', pod: 'demo', command: EXIT_COMMAND },
    ttlSeconds: 600,
  });
  const c = await TestClient.connect(`ws://127.0.0.1:${b.port}/v1/session`, { token, origin: TEST_ORIGIN });
  const hello = await c.waitForControl('hello');
  const close = await c.waitForClose();
  assert.equal(close.code, 1000);
  assert.equal(c.control('closing')?.exitCode, 3);
  return hello.session;
}

async function waitForLog(
  b: BrokerProcess,
  check: (l: Record<string, unknown>) => boolean,
  what: string,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = b.logs.find(check);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} in ${b.logs.length} log lines`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('audit is never dropped', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim({ fixtures: simFixture() });
  });
  after(async () => {
    await sim.close();
  });

  test(
    'with stdout unread past 4 MiB of log lines, session.start and session.end (exit code, full command) still arrive',
    { timeout: 120_000 },
    async () => {
      const b = await spawnBroker(sim, {}, [doc]);
      try {
        b.child.stdout!.pause();
        await floodRefusals(b.port, 6 * 1024 * 1024);
        const id = await exitingSession(b);
        b.child.stdout!.resume();
        const end = await waitForLog(b, (l) => l['event'] === 'session.end' && l['session'] === id, 'session.end');
        assert.equal(end['exitCode'], 3);
        assert.deepEqual(end['command'], EXIT_COMMAND);
        assert.equal(end['closeReason'], 'exited');
        assert.ok(
          b.logs.some((l) => l['event'] === 'session.start' && l['session'] === id),
          'session.start arrived',
        );
        // The flood really overflowed stdout: operational lines were dropped, and said so.
        const dropped = await waitForLog(b, (l) => l['event'] === 'log.dropped', 'log.dropped');
        assert.ok((dropped['lines'] as number) > 0);
      } finally {
        await b.stop();
      }
    },
  );

  test(
    'while audit lines back up past AUDIT_BACKLOG_BYTES, new sessions are refused (503, PS_ERR_AUDIT_BACKLOG), then accepted again',
    { timeout: 120_000 },
    async () => {
      const b = await spawnBroker(sim, { AUDIT_BACKLOG_BYTES: String(256 * 1024) }, [doc]);
      try {
        b.child.stdout!.pause();
        await floodRefusals(b.port, 1024 * 1024);
        const token = mintToken({
          tenant,
          sub: 'auditor',
          target: { namespace: 'default', pod: 'demo', command: EXIT_COMMAND },
          ttlSeconds: 600,
        });
        const refused = await TestClient.connect(`ws://127.0.0.1:${b.port}/v1/session`, {
          token,
          origin: TEST_ORIGIN,
        }).then(
          () => assert.fail('a session started while its audit line had nowhere to go'),
          (err: unknown) => err,
        );
        assert.ok(refused instanceof UpgradeRefused);
        assert.equal(refused.status, 503);
        assert.match(refused.body, /PS_ERR_AUDIT_BACKLOG/);
        b.child.stdout!.resume();
        await waitForLog(
          b,
          (l) => l['event'] === 'upgrade.refused' && l['code'] === 'PS_ERR_AUDIT_BACKLOG',
          'the refusal',
        );
        const id = await exitingSession(b);
        await waitForLog(b, (l) => l['event'] === 'session.end' && l['session'] === id, 'session.end');
      } finally {
        await b.stop();
      }
    },
  );

  test(
    'AUDIT_LOG_FILE takes the audit lines (whatever LOG_LEVEL says); stdout keeps the operational ones',
    { timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pod-shell-audit-'));
      const file = join(dir, 'audit', 'audit.jsonl');
      const b = await spawnBroker(sim, { AUDIT_LOG_FILE: file }, [doc]);
      try {
        const id = await exitingSession(b);
        const read = (): Record<string, unknown>[] =>
          readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>);
        const deadline = Date.now() + 10_000;
        while (!read().some((l) => l['event'] === 'session.end')) {
          if (Date.now() > deadline) throw new Error('no session.end in the audit file');
          await new Promise((r) => setTimeout(r, 20));
        }
        const lines = read();
        assert.deepEqual(
          lines.map((l) => l['event']),
          ['session.start', 'session.end'],
        );
        assert.equal(lines[1]!['session'], id);
        assert.equal(lines[1]!['exitCode'], 3);
        assert.ok(
          !b.logs.some((l) => l['event'] === 'session.start' || l['event'] === 'session.end'),
          'audit lines are not duplicated on stdout',
        );
        assert.ok(b.logs.some((l) => l['event'] === 'broker.listening'));
      } finally {
        await b.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
