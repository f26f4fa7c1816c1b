#!/usr/bin/env node
// What one upstream connection costs in a bare Node process (no broker): N idle connections to
// kube-sim's apiserver port per mode, each mode in a fresh child process with --expose-gc, memory
// read after two forced GCs. Modes: plain TCP, TLS 1.2, TLS 1.3, and the broker's own upstream
// (ws over TLS 1.3 via dialExec with the shared SecureContext, an exec stream to the light pod).
// Usage (after `npm run build`): node packages/broker/bench/tls-floor.mjs [--conns 1000] [--env K=V]
import { execFileSync, fork } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const MODES = ['tcp', 'tls1.2', 'tls1.3', 'ws-exec'];

if (args[0] === '--serve-sim') {
  const { startKubeSim } = await import('@pod-shell/kube-sim');
  const { simFixture } = await import('../dist/test/harness.js');
  const sim = await startKubeSim({ fixtures: simFixture() });
  process.send({ url: sim.url, kubeconfig: sim.kubeconfig, caCert: sim.caCert });
  process.on('message', async () => {
    await sim.close();
    process.exit(0);
  });
} else if (args[0] === '--probe') {
  const [, mode, simJson, n] = args;
  const sim = JSON.parse(simJson);
  const count = Number(n);
  const { hostname, port } = new URL(sim.url);
  const ctx12 = tls.createSecureContext({ ca: sim.caCert, maxVersion: 'TLSv1.2' });
  const ctx13 = tls.createSecureContext({ ca: sim.caCert, minVersion: 'TLSv1.3' });
  let dial;
  if (mode === 'ws-exec') {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const { KubeClusters } = await import('../dist/kube/kube-clusters.js');
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig);
    dial = await new KubeClusters(kc).dial(undefined);
  }
  const { dialExec } = await import('../dist/kube/exec-client.js');
  const open = () =>
    new Promise((resolve, reject) => {
      if (mode === 'ws-exec') {
        const up = dialExec(
          dial,
          { namespace: 'default', pod: 'echo-0', command: ['sh'], tty: true },
          { headers: {}, handshakeTimeoutMs: 10_000, maxPayloadBytes: 1 << 20 },
        );
        up.opened.then(() => resolve({ end: () => up.socket.terminate() }), reject);
        return;
      }
      const s =
        mode === 'tcp'
          ? net.connect({ host: hostname, port: Number(port) }, () => resolve(s))
          : tls.connect(
              { host: hostname, port: Number(port), servername: '', secureContext: mode === 'tls1.2' ? ctx12 : ctx13 },
              () => resolve(s),
            );
      s.once('error', reject);
      s.end ??= () => s.destroy();
    });
  const openMany = async (k) => {
    const out = [];
    for (let i = 0; i < k; i += 50) out.push(...(await Promise.all(Array.from({ length: Math.min(50, k - i) }, open))));
    return out;
  };
  const settle = async () => {
    for (let i = 0; i < 2; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  for (const s of await openMany(100)) s.destroy ? s.destroy() : s.end();
  await settle();
  const before = process.memoryUsage();
  const conns = await openMany(count);
  await settle();
  const after = process.memoryUsage();
  process.stdout.write(
    JSON.stringify(
      Object.fromEntries(
        Object.keys(after).map((k) => [k, Number(((after[k] - before[k]) / count / 1024).toFixed(1))]),
      ),
    ),
  );
  for (const s of conns) s.destroy ? s.destroy() : s.end();
  process.exit(0);
} else {
  const i = args.indexOf('--conns');
  const conns = i >= 0 ? Number(args[i + 1]) : 1000;
  const env = {
    ...process.env,
    ...Object.fromEntries(args.flatMap((a, j) => (args[j - 1] === '--env' ? [a.split(/=(.*)/s).slice(0, 2)] : []))),
  };
  const simChild = fork(self, ['--serve-sim'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sim = await new Promise((resolve) => simChild.once('message', resolve));
  const result = { node: process.version, openssl: process.versions.openssl, conns, kbPerConnection: {} };
  for (const mode of MODES) {
    result.kbPerConnection[mode] = JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', self, '--probe', mode, JSON.stringify(sim), String(conns)], {
        encoding: 'utf8',
        env,
      }),
    );
  }
  simChild.send('close');
  await new Promise((resolve) => simChild.once('exit', resolve));
  console.log(JSON.stringify(result, null, 1));
}
