import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { POD_SHELL_BEARER_PREFIX, POD_SHELL_SUBPROTOCOL } from '@pod-shell/protocol';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter.js';
import { createAuthenticator } from '../auth/authenticator.js';
import { startBroker } from '../broker.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../log/logger.js';
import { createMetrics, type BrokerMetrics } from '../metrics/metrics.js';
import { createUpgradeHandler } from '../server/upgrade-handler.js';
import { MemoryStore } from '../store/memory-store.js';
import type { ControlCommand } from '../store/session-store.js';
import { staticTenants } from '../tenants/tenant-registry.js';
import { ADMIN_TOKEN, startHarness, TEST_ORIGIN } from './harness.js';

/** Issue 8 item 9: every ending has one owner and a gauge that shows it happened. */

async function gaugeValue(
  metrics: BrokerMetrics,
  name: 'sessionsConnecting' | 'shellCleanups' | 'storeSubscriptions',
): Promise<number> {
  const data = await metrics[name].get();
  return data.values.reduce((sum, v) => sum + v.value, 0);
}

/** Polls: the gauges have no "changed" event. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * An upgrade request and response for the broker's real upgrade handler, whose `upgrade` opens no
 * socket: what uWS does when the connection is already gone, so neither `open` nor `close` runs.
 */
function unopenedUpgrade(token: string): { res: HttpResponse; req: HttpRequest; upgraded: () => number } {
  const headers: Record<string, string> = {
    'sec-websocket-protocol': `${POD_SHELL_SUBPROTOCOL}, ${POD_SHELL_BEARER_PREFIX}${token}`,
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    origin: TEST_ORIGIN,
  };
  let upgrades = 0;
  const res = {
    onAborted: () => res,
    getRemoteAddressAsText: () => new TextEncoder().encode('127.0.0.1').buffer,
    cork: (cb: () => void) => (cb(), res),
    upgrade: () => void upgrades++,
  };
  const req = { getHeader: (name: string) => headers[name] ?? '' };
  return { res: res as unknown as HttpResponse, req: req as unknown as HttpRequest, upgraded: () => upgrades };
}

/** A MemoryStore that counts its live subscriptions and whether anyone closed it. */
class CountingStore extends MemoryStore {
  subscribed = 0;
  closedBy = 0;
  override subscribe(handler: (command: ControlCommand) => void): () => void {
    const off = super.subscribe(handler);
    this.subscribed++;
    return () => {
      this.subscribed--;
      off();
    };
  }
  onReaped(): () => void {
    this.subscribed++;
    return () => void this.subscribed--;
  }
  override async close(): Promise<void> {
    this.closedBy++;
    await super.close();
  }
}

function portInUse(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe('endings that cannot be missed', () => {
  test('an upgrade that opened no socket disposes its live session: upstream, store entry and gauges back to 0', async () => {
    const h = await startHarness();
    try {
      const config = loadConfig({ ADMIN_TOKEN, TENANTS_FILE: '/dev/null' });
      const upgrade = createUpgradeHandler({
        config,
        logger: h.broker.logger,
        metrics: h.broker.metrics,
        authenticator: createAuthenticator({ tenants: h.tenants, config }),
        authFailures: new AuthFailureLimiter({ perIp: 0, perTenant: 0 }),
        sessions: h.broker.sessions,
        isDraining: () => false,
      });
      const { res, req, upgraded } = unopenedUpgrade(h.token());
      upgrade(res, req, {});
      // The session connects upstream for real, then the upgrade opens nothing.
      await until(() => upgraded() === 1, 'the upgrade');
      assert.equal(h.broker.sessions.size, 0, 'the session was disposed at once');
      assert.equal(await gaugeValue(h.broker.metrics, 'sessionsConnecting'), 0);
      assert.equal(await h.broker.store.count('test'), 0, 'its store entry was released');
      const rejected = h.logs.filter((l) => l['event'] === 'session.rejected');
      assert.deepEqual(
        rejected.map((l) => l['closeReason']),
        ['client_aborted'],
      );
      await h.waitIdle();
    } finally {
      await h.close();
    }
  });

  test('a live session counts in podshell_sessions_connecting until hello, not after', async () => {
    const h = await startHarness();
    try {
      const c = await h.connect();
      await c.waitForControl('hello');
      assert.equal(await gaugeValue(h.broker.metrics, 'sessionsConnecting'), 0);
      assert.equal(h.broker.sessions.size, 1);
      await c.close();
      await h.waitIdle();
    } finally {
      await h.close();
    }
  });

  test('the orphaned-shell cleanup exec is counted while it runs, and idle and drain wait for it', async () => {
    const h = await startHarness();
    try {
      const c = await h.connect();
      await c.waitForControl('hello');
      // Hold the cleanup exec's upgrade so it is still running once its session is gone.
      h.sim.setFaults({ upgradeDelayMs: 600 });
      await c.close();
      await until(() => h.broker.sessions.size === 0, 'the session to end');
      assert.equal(h.broker.gauges.value('shellCleanups'), 1);
      assert.equal(await gaugeValue(h.broker.metrics, 'shellCleanups'), 1);
      assert.equal(h.broker.gauges.allZero(), false, 'an idle broker has no cleanup running');
      await h.waitIdle();
      assert.equal(await gaugeValue(h.broker.metrics, 'shellCleanups'), 0);
      const failures = (await h.broker.metrics.orphanCleanupFailures.get()).values.reduce((sum, v) => sum + v.value, 0);
      assert.equal(failures, 0, 'the delayed cleanup still hung the shell up');
    } finally {
      h.sim.setFaults({});
      await h.close();
    }
  });

  test("a failed admin listen releases every store subscription and leaves the caller's store open", async () => {
    const busy = await portInUse();
    const store = new CountingStore();
    const metrics = createMetrics({ defaultMetrics: false });
    try {
      const config = loadConfig({
        ADMIN_TOKEN,
        TENANTS_FILE: '/dev/null',
        PORT: '0',
        HOST: '127.0.0.1',
        ADMIN_HOST: '127.0.0.1',
        ADMIN_PORT: String(busy.port),
      });
      const logger = createLogger({ sink: () => {} });
      const tenants = staticTenants([]);
      await assert.rejects(
        startBroker(config, {
          authenticator: createAuthenticator({ tenants, config }),
          store,
          tenants,
          logger,
          metrics,
        }),
        /ADMIN_PORT/,
      );
      assert.equal(store.subscribed, 0, 'no handler is left on the store');
      assert.equal(await gaugeValue(metrics, 'storeSubscriptions'), 0);
      assert.equal(store.closedBy, 0, 'the caller owns its store');
      assert.equal(store.isUp(), true);
    } finally {
      busy.server.close();
      await store.close();
    }
  });

  test('drain releases its subscriptions but closes only a store it created itself', async () => {
    const store = new CountingStore();
    const metrics = createMetrics({ defaultMetrics: false });
    const config = loadConfig({
      ADMIN_TOKEN,
      TENANTS_FILE: '/dev/null',
      PORT: '0',
      ADMIN_PORT: '0',
      HOST: '127.0.0.1',
    });
    const tenants = staticTenants([]);
    const logger = createLogger({ sink: () => {} });
    const given = await startBroker(config, {
      authenticator: createAuthenticator({ tenants, config }),
      store,
      tenants,
      logger,
      metrics,
    });
    assert.equal(store.subscribed, 2, 'control channel and reaped sessions');
    assert.equal(await gaugeValue(metrics, 'storeSubscriptions'), 2);
    await given.drain();
    assert.equal(store.subscribed, 0);
    assert.equal(await gaugeValue(metrics, 'storeSubscriptions'), 0);
    assert.ok(given.gauges.allReleased());
    assert.equal(store.closedBy, 0, "a store passed in is its caller's to close");
    assert.equal(store.isUp(), true);
    await store.close();

    const own = await startBroker(config, { authenticator: createAuthenticator({ tenants, config }), logger });
    await own.drain();
    assert.equal(own.store.isUp(), false, 'the MemoryStore the broker made is closed by it');
    assert.ok(own.gauges.allReleased());
  });
});
