import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { startKubeSim, type KubeSim } from '@pod-shell/kube-sim';
import { simFixture } from '../test/harness.js';
import { dialExec } from './exec-client.js';
import { KubeClusters } from './kube-clusters.js';
import { pickTlsConnectOptions } from './upstream-connect.js';

describe('upstream TLS connect options', () => {
  test('keeps the connect and trust settings, drops the request headers and ws settings', () => {
    const ctx = createSecureContext({});
    const checkServerIdentity = (): undefined => undefined;
    const picked = pickTlsConnectOptions({
      host: 'api.example',
      port: 6443,
      secureContext: ctx,
      rejectUnauthorized: false,
      checkServerIdentity,
      timeout: 5000,
      headers: { Authorization: 'Bearer secret', 'Impersonate-User': 'alice' },
      path: '/api/v1/namespaces/default/pods/demo/exec',
      maxPayload: 1 << 20,
      perMessageDeflate: false,
      createConnection: () => undefined,
    });
    assert.deepEqual(picked, {
      host: 'api.example',
      port: 6443,
      secureContext: ctx,
      rejectUnauthorized: false,
      checkServerIdentity,
      timeout: 5000,
      servername: 'api.example',
    });
  });

  test('SNI: explicit servername wins (even empty), else the host name, never an IP literal', () => {
    assert.equal(pickTlsConnectOptions({ host: 'api.example', servername: 'tls.example' }).servername, 'tls.example');
    assert.equal(pickTlsConnectOptions({ host: 'api.example', servername: '' }).servername, '');
    assert.equal(pickTlsConnectOptions({ host: '10.0.0.1' }).servername, '');
    assert.equal(pickTlsConnectOptions({ host: '::1' }).servername, '');
  });
});

describe('upstream exec dial over TLS', () => {
  let sim: KubeSim;
  let clusters: KubeClusters;
  const target = { namespace: 'default', pod: 'echo-0', command: ['sh'], tty: true };
  const options = { headers: {}, handshakeTimeoutMs: 5000, maxPayloadBytes: 1 << 20 };

  before(async () => {
    sim = await startKubeSim({ fixtures: simFixture() });
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig);
    clusters = new KubeClusters(kc);
  });
  after(async () => {
    await sim.close();
  });

  test('opens with the kubeconfig CA, verified, and the socket keeps no request headers', async () => {
    const up = dialExec(await clusters.dial(undefined), target, options);
    await up.opened;
    const tls = (up.socket as unknown as { _socket: TLSSocket })._socket;
    assert.equal(tls.authorized, true);
    // Node keeps tls.connect's options on the socket for its whole life (symbol `connect-options`).
    const kept = Object.getOwnPropertySymbols(tls).find((s) => s.description === 'connect-options');
    assert.ok(kept !== undefined, 'this Node keeps the connect options under a symbol');
    const connectOptions = (tls as unknown as Record<symbol, Record<string, unknown> | undefined>)[kept] ?? {};
    assert.equal(connectOptions['headers'], undefined);
    assert.equal(connectOptions['servername'], '');
    const closed = new Promise((resolve) => up.socket.once('close', resolve));
    up.socket.close(1000);
    await closed;
  });

  test('still refuses an apiserver certificate the configured trust does not cover', async () => {
    const dial = await clusters.dial(undefined);
    // Node's default roots only: the simulator's private CA is not among them.
    const untrusted = { server: dial.server, options: { ...dial.options, secureContext: createSecureContext({}) } };
    const up = dialExec(untrusted, target, options);
    await assert.rejects(
      up.opened,
      (err: Error) => /cannot open the exec stream/.test(err.message) && /certificate/i.test(err.message),
    );
  });
});
