import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'node:tls';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { FixtureError, loadFixtureFile, parseFixtureYaml } from '../fixtures/load.js';
import { call, startWithRecorder } from './http-support.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'kube-sim-setup-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('TLS, kubeconfig, fixtures and CLI', () => {
  it('writes a kubeconfig with the CA data, server URL and admin token (mode 0600)', async () => {
    const path = join(tmp, 'kubeconfig');
    const { sim } = await startWithRecorder({ kubeconfigOut: path });
    try {
      assert.equal(sim.kubeconfigPath, path);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const kc = parse(readFileSync(path, 'utf8')) as {
        clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
        users: { user: { token: string } }[];
        'current-context': string;
      };
      assert.equal(readFileSync(path, 'utf8'), sim.kubeconfig);
      assert.equal(kc.clusters[0]?.cluster.server, sim.url);
      assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(
        Buffer.from(kc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString('utf8'),
        sim.caCert,
      );
      assert.equal(kc.users[0]?.user.token, sim.adminToken);
      assert.equal(kc['current-context'], 'kube-sim');
    } finally {
      await sim.close();
    }
  });

  it('serves a certificate for 127.0.0.1 and localhost signed by its CA', async () => {
    const { sim } = await startWithRecorder();
    try {
      const ca = new X509Certificate(sim.caCert);
      assert.equal(ca.ca, true);
      const port = Number(new URL(sim.url).port);
      for (const servername of ['localhost', undefined]) {
        const peer = await new Promise<X509Certificate>((resolve, reject) => {
          const opts =
            servername === undefined
              ? { host: '127.0.0.1', port, ca: sim.caCert }
              : { host: '127.0.0.1', port, ca: sim.caCert, servername };
          const s = connect(opts, () => {
            const cert = s.getPeerX509Certificate();
            s.destroy();
            if (cert === undefined) reject(new Error('no peer certificate'));
            else resolve(cert);
          });
          s.on('error', reject);
        });
        assert.ok(peer.verify(ca.publicKey));
        assert.match(peer.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
        assert.match(peer.subjectAltName ?? '', /DNS:localhost/);
      }
      // A client without the CA must refuse the server.
      await assert.rejects(call({ url: sim.url, caCert: '', adminToken: sim.adminToken }, '/version'));
    } finally {
      await sim.close();
    }
  });

  it('loads the documented example fixture file', async () => {
    const f = loadFixtureFile(join(packageRoot, 'fixtures', 'example.yaml'));
    assert.deepEqual(f.namespaces, ['default', 'shop']);
    assert.deepEqual(
      f.pods.map((p) => `${p.namespace}/${p.name}`),
      ['shop/api-0', 'shop/minimal-0'],
    );
    const api = f.pods[0];
    assert.deepEqual(
      api?.containers.map((c) => [c.name, c.mode]),
      [
        ['api', 'process'],
        ['metrics', 'light'],
      ],
    );
    assert.equal(api?.initContainers[0]?.running, false);
    assert.deepEqual(f.pods[1]?.containers[0]?.missingBinaries, ['sh', 'bash']);
    assert.deepEqual(
      f.tokens.map((t) => t.user.name),
      ['alice', 'pod-shell-broker'],
    );
    assert.deepEqual(
      f.rbac.map((r) => r.kind),
      ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
    );

    const { sim } = await startWithRecorder({ fixtures: join(packageRoot, 'fixtures', 'example.yaml') });
    try {
      assert.equal((await call(sim, '/api/v1/namespaces/shop/pods/api-0', { token: 'alice-token' })).status, 200);
      assert.equal((await call(sim, '/api/v1/namespaces/default/pods/demo')).status, 404);
    } finally {
      await sim.close();
    }
  });

  it('rejects bad fixtures with a message naming the field', () => {
    assert.throws(
      () => parseFixtureYaml('pods:\n  - name: x\n    containers: [{name: c, mode: heavy}]\n'),
      (e: unknown) => e instanceof FixtureError && /pods\[0\]\.containers\[0\]\.mode/.test(e.message),
    );
    assert.throws(() => parseFixtureYaml('pods:\n  - {name: x}\n  - {name: x}\n'), /pod default\/x is defined twice/);
    assert.throws(
      () => parseFixtureYaml('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n'),
      /apiVersion must be rbac.authorization.k8s.io\/v1/,
    );
    assert.throws(() => parseFixtureYaml('tokens:\n  - {token: "a b", name: x}\n'), /token must be non-empty/);
    assert.throws(() => loadFixtureFile(join(tmp, 'missing.yaml')), /cannot read fixture file/);
  });

  it('runs as a CLI that prints where it listens and stops cleanly on SIGTERM', async () => {
    const out = join(tmp, 'cli-kubeconfig');
    const config = join(tmp, 'cli.yaml');
    writeFileSync(config, 'pods:\n  - {name: solo, containers: [{name: c}]}\n');
    const child = spawn(
      process.execPath,
      [join(packageRoot, 'dist', 'cli.js'), '--port', '0', '--kubeconfig-out', out, '--config', config],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        stdout += d;
        if (stdout.includes('kubeconfig written to')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`CLI exited early with ${String(code)}: ${stdout}`)));
    });
    const url = /listening on (https:\/\/\S+)/.exec(stdout)?.[1] ?? '';
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(stdout, new RegExp(`kubeconfig written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(stdout, /pods: default\/solo/);
    const kc = parse(readFileSync(out, 'utf8')) as {
      users: { user: { token: string } }[];
      clusters: { cluster: { 'certificate-authority-data': string } }[];
    };
    const caCert = Buffer.from(kc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString();
    const r = await call(
      { url, caCert, adminToken: kc.users[0]?.user.token ?? '' },
      '/api/v1/namespaces/default/pods/solo',
    );
    assert.equal(r.status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  it('rejects bad CLI arguments, and a non-loopback host without --allow-remote, with exit code 2', async () => {
    for (const [args, message] of [
      [['--port', 'abc'], /--port must be an integer/],
      [['--host', '0.0.0.0'], /--host 0\.0\.0\.0 is not a loopback address; .* --allow-remote/],
      [['--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const child = spawn(process.execPath, [join(packageRoot, 'dist', 'cli.js'), ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
    }
  });
});
