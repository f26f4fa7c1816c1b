import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import {
  createAuthenticator,
  createDemoRoutes,
  createTenantRegistry,
  loadConfig,
  mintToken,
  startBroker,
  type Broker,
  type Tenant,
} from '@pod-shell/broker';
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { ELEMENT_ROOT } from './static-files.js';

/** The real thing, in-process: kube-sim (default fixtures) + the broker in DEMO_MODE serving the demo page. */
export interface LiveStack {
  sim: KubeSim;
  broker: Broker;
  /** The demo page's origin, `http://127.0.0.1:<port>` (the only origin the test tenant allows). */
  origin: string;
  /** The same broker under another origin (`http://localhost:<port>`), which the tenant does not allow. */
  foreignOrigin: string;
  tenant: Tenant;
  /** Mints a demo-tenant token for default/demo (or another pod). */
  mint(options?: {
    ttlSeconds?: number;
    namespace?: string;
    pod?: string;
    container?: string;
    issuedAt?: number;
  }): string;
  close(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that cannot listen on port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LiveStackOptions {
  /** EXPIRING_WARNING_SECONDS for the broker (default 60). */
  expiringWarningSeconds?: number;
  /**
   * The demo tenant's `limits.resumeGraceSeconds` (default 0 here: closing a test's page then ends its
   * session at once, as the gauge checks expect; the resume tests set it).
   */
  resumeGraceSeconds?: number;
  /** Sets the demo tenant's `observers: true` (read-only watchers with observer tokens). */
  observers?: boolean;
}

export async function startLiveStack(options: LiveStackOptions = {}): Promise<LiveStack> {
  const dir = mkdtempSync(join(tmpdir(), 'pod-shell-element-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    const sim = await startKubeSim({ kubeconfigOut: kubeconfig });
    cleanups.push(() => sim.close());
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    // The demo tenant, allowed only on this test's origin.
    const example = readFileSync(join(ELEMENT_ROOT, '..', '..', 'examples', 'tenants.demo.yaml'), 'utf8');
    let tenantsYaml = example
      .replace('- http://localhost:8080', `- ${origin}`)
      .replace('- http://127.0.0.1:8080', `- ${origin}`)
      .replace(
        '      connectsPerMinute: 120\n',
        `      connectsPerMinute: 120\n      resumeGraceSeconds: ${options.resumeGraceSeconds ?? 0}\n`,
      );
    if (options.observers === true)
      tenantsYaml = tenantsYaml.replace('    limits:\n', '    observers: true\n    limits:\n');
    if (!tenantsYaml.includes(origin) || !tenantsYaml.includes('resumeGraceSeconds'))
      throw new Error('examples/tenants.demo.yaml no longer lists the demo origins and limits this test rewrites');
    const tenantsFile = join(dir, 'tenants.yaml');
    writeFileSync(tenantsFile, tenantsYaml);
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_PORT: '0',
      ADMIN_TOKEN: 'element-tests-admin-token',
      TENANTS_FILE: tenantsFile,
      KUBECONFIG: kubeconfig,
      DEMO_MODE: 'true',
      LOG_LEVEL: process.env['POD_SHELL_TEST_LOG_LEVEL'] ?? 'error',
      EXPIRING_WARNING_SECONDS: String(options.expiringWarningSeconds ?? 60),
    });
    const tenants = createTenantRegistry({ file: tenantsFile, watch: false });
    cleanups.push(() => tenants.close());
    const tenant = tenants.get('demo');
    if (!tenant) throw new Error('the demo tenant is missing');
    // Wired like the pod-shell-broker CLI does in DEMO_MODE; the bundle is this package's build.
    const broker = await startBroker(config, {
      authenticator: createAuthenticator({ tenants, config }),
      demoRoutes: createDemoRoutes({ tenants }),
    });
    cleanups.push(() => broker.close());
    return {
      sim,
      broker,
      origin,
      foreignOrigin: `http://localhost:${port}`,
      tenant,
      mint: (o = {}) =>
        mintToken({
          tenant,
          sub: 'element-test',
          target: { namespace: o.namespace ?? 'default', pod: o.pod ?? 'demo', container: o.container ?? 'shell' },
          ttlSeconds: o.ttlSeconds ?? 300,
          ...(o.issuedAt !== undefined ? { now: o.issuedAt } : {}),
        }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A live stack and a Chromium for a whole test file (started before its first test, closed after its last). */
export interface LiveBrowser {
  readonly stack: LiveStack;
  readonly browser: Browser;
}

/** Registers the file's before/after hooks; read `.stack` and `.browser` inside tests. */
export function useLiveBrowser(options: LiveStackOptions = {}): LiveBrowser {
  let stack: LiveStack | undefined;
  let browser: Browser | undefined;
  before(async () => {
    stack = await startLiveStack(options);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is started in before()`);
    return value;
  };
  return {
    get stack() {
      return started(stack, 'the live stack');
    },
    get browser() {
      return started(browser, 'Chromium');
    },
  };
}
