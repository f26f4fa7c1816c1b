import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_USER_TOKENS } from '../fixtures/defaults.js';
import type { KubeSim } from '../http/api-server.js';
import { startWithRecorder } from './http-support.js';

const PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

function post(
  sim: KubeSim,
  token: string,
  body: string | Buffer,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(PATH, sim.url),
      {
        method: 'POST',
        ca: sim.caCert,
        agent: false,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const review = (ra: Record<string, string>): string =>
  JSON.stringify({
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    spec: { resourceAttributes: ra },
  });

/** Protobuf wire helpers to build what client-go sends. */
const field = (n: number, payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from([(n << 3) | 2, payload.length]), payload]);
const s = (n: number, v: string): Buffer => field(n, Buffer.from(v));

describe('SelfSubjectAccessReview', () => {
  let sim: KubeSim;
  before(async () => {
    ({ sim } = await startWithRecorder());
  });
  after(() => sim.close());

  it('answers with the RBAC decision and the binding that allowed it', async () => {
    const r = await post(
      sim,
      DEFAULT_USER_TOKENS.execUser,
      review({ namespace: 'default', verb: 'create', resource: 'pods', subresource: 'exec', name: 'demo' }),
    );
    assert.equal(r.status, 201);
    assert.equal(r.json['kind'], 'SelfSubjectAccessReview');
    assert.deepEqual(r.json['status'], {
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "exec-user/default" of Role "exec" to User "exec-user"',
    });
    const no = await post(
      sim,
      DEFAULT_USER_TOKENS.execGetOnly,
      review({ namespace: 'default', verb: 'create', resource: 'pods', subresource: 'exec' }),
    );
    assert.deepEqual(no.json['status'], { allowed: false });
  });

  it('reviews as the impersonated user', async () => {
    const r = await post(
      sim,
      DEFAULT_USER_TOKENS.impersonator,
      review({ namespace: 'default', verb: 'get', resource: 'pods' }),
      'application/json',
      { 'Impersonate-User': 'viewer' },
    );
    assert.deepEqual(r.json['status'], {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "viewer-pod-reader" of ClusterRole "pod-reader" to User "viewer"',
    });
  });

  it('reads the protobuf encoding kubectl sends', async () => {
    const ra = Buffer.concat([s(1, 'default'), s(2, 'get'), s(5, 'pods'), s(6, 'exec')]);
    const ssar = field(2, field(1, ra));
    const unknown = Buffer.concat([
      field(1, Buffer.concat([s(1, 'authorization.k8s.io/v1'), s(2, 'SelfSubjectAccessReview')])),
      field(2, ssar),
    ]);
    const body = Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
    const r = await post(sim, DEFAULT_USER_TOKENS.execGetOnly, body, 'application/vnd.kubernetes.protobuf');
    assert.equal(r.status, 201);
    assert.deepEqual(r.json['spec'], {
      resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods', subresource: 'exec' },
    });
    assert.equal((r.json['status'] as { allowed: boolean }).allowed, true);
  });

  it('rejects a review with neither or both attribute kinds, and unknown media types', async () => {
    const r = await post(sim, sim.adminToken, JSON.stringify({ spec: {} }));
    assert.equal(r.status, 422);
    const bad = await post(sim, sim.adminToken, 'x', 'text/plain');
    assert.equal(bad.status, 415);
  });
});
