#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startKubeSim } from './kube-sim.js';

const USAGE = `Usage: kube-sim [options]

Starts a Kubernetes API server simulator (HTTPS, discovery, pods, pods/exec over WebSocket,
bearer tokens, impersonation, RBAC) that the real kubectl accepts.

Options:
  --port N              TCP port (default 0: a free port)
  --host ADDR           listen address (default 127.0.0.1)
  --kubeconfig-out FILE write the kubeconfig (CA, server URL, admin token) to FILE
  --config FILE         fixture YAML (pods, tokens, RBAC); default: the built-in cluster
  --admin-token TOKEN   admin bearer token (default: random)
  --work-root DIR       where per-container working directories live (default: a temp dir)
  --max-exec-protocol v4
                        behave like a cluster before 1.30 or a proxy: no v5.channel.k8s.io, exec
                        WebSockets get v4.channel.k8s.io (the kubelet path)
  --allow-remote        allow a non-loopback --host (exec runs real processes on this host, and the
                        built-in fixture's tokens are public: anyone who can connect gets a shell)
  -h, --help            show this help
`;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function fail(message: string): never {
  process.stderr.write(`kube-sim: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'kubeconfig-out': { type: 'string' },
        config: { type: 'string' },
        'admin-token': { type: 'string' },
        'work-root': { type: 'string' },
        'max-exec-protocol': { type: 'string' },
        'allow-remote': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be an integer 0-65535, not "${values.port ?? ''}"`);

  // Exec runs real processes on this host: listening beyond loopback hands a shell to the network.
  const host = values.host ?? '127.0.0.1';
  if (!isLoopback(host) && values['allow-remote'] !== true) {
    fail(
      `--host ${host} is not a loopback address; kube-sim runs exec commands on this host, so pass --allow-remote if you really mean it`,
    );
  }

  const options: Parameters<typeof startKubeSim>[0] = { port };
  if (values.host !== undefined) options.host = values.host;
  if (values['kubeconfig-out'] !== undefined) options.kubeconfigOut = resolve(values['kubeconfig-out']);
  if (values.config !== undefined) options.fixtures = resolve(values.config);
  if (values['admin-token'] !== undefined) options.adminToken = values['admin-token'];
  if (values['work-root'] !== undefined) options.workRoot = resolve(values['work-root']);
  const maxProtocol = values['max-exec-protocol'];
  if (maxProtocol !== undefined && maxProtocol !== 'v4' && maxProtocol !== 'v5')
    fail(`--max-exec-protocol must be v4 or v5, not "${maxProtocol}"`);
  if (maxProtocol === 'v4') options.faults = { maxExecProtocol: 'v4' };

  const sim = await startKubeSim(options);
  const pods = sim.fixtures.pods.map((p) => `${p.namespace}/${p.name}`).join(', ');
  process.stdout.write(`kube-sim listening on ${sim.url}\n`);
  process.stdout.write(`pods: ${pods}\n`);
  if (sim.kubeconfigPath !== undefined) {
    process.stdout.write(`kubeconfig written to ${sim.kubeconfigPath}\n`);
    process.stdout.write(`try: KUBECONFIG=${sim.kubeconfigPath} kubectl exec demo -- sh -c 'echo hi; exit 3'\n`);
  } else {
    process.stdout.write('no --kubeconfig-out given; admin token and CA are only available through the library API\n');
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`kube-sim: ${signal}, stopping\n`);
    sim.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`kube-sim: error while stopping: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`kube-sim: ${(e as Error).message}\n`);
  process.exit(1);
});
