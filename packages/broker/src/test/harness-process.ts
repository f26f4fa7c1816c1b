import { startKubeSim } from '@pod-shell/kube-sim';
import { stringify } from 'yaml';
import type { Broker } from '../broker.js';
import { loadConfig } from '../config/config.js';
import type { ResourceKind } from '../metrics/metrics.js';
import { parseTenants } from '../tenants/tenants-file.js';
import { spawnBroker } from './broker-process.js';
import {
  ADMIN_TOKEN,
  clientSide,
  pollIdle,
  simFixture,
  tenantDoc,
  type BrokerResources,
  type Harness,
  type HarnessOptions,
} from './harness.js';

/**
 * The Harness with the broker out of process: started by spawnBroker (the launcher named by
 * PODSHELL_TEST_BROKER_LAUNCHER, e.g. the container image), read only through its ports: the log
 * from its stdout, resources from /debug/resources, the store from /admin/sessions. Tests that
 * need the in-process Broker object (`h.broker`) cannot run this way and say so.
 */
export async function startProcessHarness(options: HarnessOptions): Promise<Harness> {
  if (options.deps !== undefined)
    throw new Error('startHarness({ deps }) needs the broker in process; unset PODSHELL_TEST_BROKER_LAUNCHER');
  const sim = await startKubeSim({ fixtures: simFixture() });
  try {
    const docs = [tenantDoc(options.testTenant), ...(options.tenants ?? [])];
    const tenants = parseTenants(stringify({ tenants: docs }), { file: 'harness.yaml', baseDir: '/' });
    const env = { LOG_LEVEL: 'info', ...options.env };
    const b = await spawnBroker(sim, env, docs);
    const sessionPath = loadConfig({ ADMIN_TOKEN, TENANTS_FILE: '/dev/null', ...env }).sessionPath;
    const url = `ws://127.0.0.1:${b.port}${sessionPath}`;
    const adminUrl = `http://127.0.0.1:${b.adminPort}`;
    const side = clientSide(tenants, url, adminUrl);
    const resources = (): Promise<BrokerResources> => processResources(adminUrl);
    const broker = new Proxy({} as Broker, {
      get: (_t, prop) => {
        throw new Error(
          `h.broker.${String(prop)}: this test reads the broker in process and cannot run against PODSHELL_TEST_BROKER_LAUNCHER`,
        );
      },
    });
    return {
      sim,
      broker,
      url,
      adminUrl,
      tenants,
      logs: b.logs,
      ...side,
      resources,
      storeCount: async (tenant) =>
        (
          JSON.parse((await side.admin(`/admin/sessions?tenant=${encodeURIComponent(tenant)}`)).text) as {
            count: number;
          }
        ).count,
      waitIdle: (timeoutMs) => pollIdle(resources, timeoutMs),
      close: async () => {
        const exit = await b.stop();
        await sim.close();
        if (exit.code !== 0) throw new Error(`the broker exited with ${JSON.stringify(exit)} after SIGTERM`);
      },
    };
  } catch (err) {
    await sim.close();
    throw err;
  }
}

/** An out-of-process broker's resources, from its admin port's /debug/resources. */
export async function processResources(adminUrl: string): Promise<BrokerResources> {
  const res = await fetch(`${adminUrl}/debug/resources`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const r = (await res.json()) as {
    gauges: Record<string, number>;
    activeResources: { byType: Record<string, number> };
  };
  const { sessionsActive, leakSuspected: _leak, ...gauges } = r.gauges;
  return {
    gauges: gauges as Record<ResourceKind, number>,
    sessions: sessionsActive ?? 0,
    activeResources: r.activeResources.byType,
  };
}
