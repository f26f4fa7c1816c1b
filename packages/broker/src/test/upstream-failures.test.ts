import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startHarness, type Harness } from './harness.js';

/** Refused and broken upstream exec streams: the right close code, the apiserver's message, nothing leaked. */
describe('upstream failures', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      tenants: [
        {
          name: 'noexec',
          issuer: 'https://noexec.example',
          audience: 'pod-shell',
          keys: [{ kid: 'hs-n', alg: 'HS256', secret: 'noexec-secret-0123456789abcdef-0123456789abcdef' }],
          allowedOrigins: ['https://app.example.com'],
          namespaces: ['default'],
          identity: { user: 'nobody:{sub}' },
          limits: { maxConcurrentSessions: 10 },
        },
      ],
    });
  });
  afterEach(async () => {
    h.sim.setFaults({});
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  test('a missing pod closes with 4404 and the apiserver message', async () => {
    const c = await h.connect({ pod: 'no-such-pod' });
    const close = await c.waitForClose();
    assert.equal(close.code, 4404);
    const closing = c.control('closing');
    assert.equal(closing?.code, 4404);
    assert.equal(closing?.message, 'pods "no-such-pod" not found');
    assert.equal(c.control('hello'), undefined, 'no hello for a session that never started');
    assert.equal(c.stdoutBytes, 0);
  });

  test('a container that is not in the pod closes with 4404', async () => {
    const c = await h.connect({ pod: 'demo', container: 'nope' });
    const close = await c.waitForClose();
    assert.equal(close.code, 4404);
    assert.match(c.control('closing')?.message ?? '', /container nope is not valid for pod demo/);
  });

  test('an impersonated user without pods/exec closes with 4403 and the RBAC message (threat 9)', async () => {
    const c = await h.connect({ tenant: 'noexec', sub: 'mallory' });
    const close = await c.waitForClose();
    assert.equal(close.code, 4403);
    assert.match(c.control('closing')?.message ?? '', /pods "demo" is forbidden: User "nobody:mallory" cannot/);
  });

  test('a stream dropped mid-way closes with 4500', async () => {
    h.sim.setFaults({ pod: 'echo-0', dropAfterBytes: 10 });
    const c = await h.connect({ pod: 'echo-0' });
    await c.waitForControl('hello');
    c.stdin('0123456789abcdef');
    const close = await c.waitForClose();
    assert.equal(close.code, 4500);
    assert.equal(c.control('closing')?.reason, 'upstream_closed');
    assert.ok(c.stdoutBytes <= 16);
  });

  test('an upstream 403 followed by trailing bytes forwards nothing (threat 10)', async () => {
    h.sim.setFaults({
      refuseUpgrade: { status: 403, message: 'refused by test', trailingBytes: '\x01SECRET-AFTER-REFUSAL' },
    });
    const c = await h.connect();
    const close = await c.waitForClose();
    assert.equal(close.code, 4403);
    assert.equal(c.control('closing')?.message, 'refused by test');
    assert.equal(c.stdoutBytes, 0);
    assert.ok(!Buffer.concat(c.frames).includes('SECRET'), 'no trailing byte reached the client');
  });

  test('an upstream 500 closes with 4500 naming the HTTP status', async () => {
    h.sim.setFaults({ refuseUpgrade: { status: 500, message: 'etcd is sad' } });
    const c = await h.connect();
    const close = await c.waitForClose();
    assert.equal(close.code, 4500);
    assert.match(c.control('closing')?.message ?? '', /HTTP 500.*etcd is sad/);
  });
});
