import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_USER_TOKENS } from '../fixtures/defaults.js';
import type { KubeSim } from '../http/api-server.js';
import {
  call,
  parseRaw,
  rawUpgrade,
  startWithRecorder,
  WS_HEADERS,
  type RecordingExec,
  parseStatus,
} from './http-support.js';

const EXEC_PATH = '/api/v1/namespaces/default/pods/demo/exec?command=true&stdout=true';

describe('impersonation', () => {
  let sim: KubeSim;
  let exec: RecordingExec;
  before(async () => {
    ({ sim, exec } = await startWithRecorder());
  });
  after(() => sim.close());

  const wsAs = async (token: string, headers: string[]): Promise<ReturnType<typeof parseRaw>> =>
    parseRaw(
      await rawUpgrade(sim, EXEC_PATH, [
        ...WS_HEADERS,
        'Sec-WebSocket-Protocol: v5.channel.k8s.io',
        `Authorization: Bearer ${token}`,
        ...headers,
      ]),
    );

  it('authorizes the exec as the impersonated user and strips the headers', async () => {
    const r = await wsAs(DEFAULT_USER_TOKENS.impersonator, [
      'Impersonate-User: exec-user',
      'Impersonate-Group: tenant-a',
    ]);
    assert.equal(r.status, 418);
    const h = exec.handed.at(-1);
    assert.deepEqual(h?.exec.user, { name: 'exec-user', groups: ['tenant-a', 'system:authenticated'], extra: {} });
    assert.ok(!Object.keys(h?.headers ?? {}).some((k) => k.startsWith('impersonate-')));
  });

  it('forbids the exec when the impersonated user lacks the rights', async () => {
    const r = await wsAs(DEFAULT_USER_TOKENS.impersonator, ['Impersonate-User: viewer']);
    assert.equal(r.status, 403);
    assert.equal(
      parseStatus(r.body).message,
      'pods "demo" is forbidden: User "viewer" cannot get resource "pods/exec" in API group "" in the namespace "default"',
    );
  });

  it('answers 400 for groups, extras or a uid without a user', async () => {
    const r = await call(sim, '/api/v1/pods', {
      token: DEFAULT_USER_TOKENS.impersonator,
      headers: { 'Impersonate-Group': ['devs', 'ops'] },
    });
    assert.equal(r.status, 400);
    assert.equal(
      r.body,
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"requested [{Group  devs    } {Group  ops    }] without impersonating a user","reason":"BadRequest","code":400}',
    );
    const uid = await call(sim, '/api/v1/pods', {
      token: DEFAULT_USER_TOKENS.impersonator,
      headers: { 'Impersonate-Uid': '1234' },
    });
    assert.equal(uid.status, 400);
    assert.equal(
      uid.json()['message'],
      'requested [{UID  1234  authentication.k8s.io/v1  }] without impersonating a user',
    );
    const extra = await call(sim, '/api/v1/pods', {
      token: DEFAULT_USER_TOKENS.impersonator,
      headers: { 'Impersonate-Extra-Scopes': 'view' },
    });
    assert.equal(
      extra.json()['message'],
      'requested [{UserExtra  view  authentication.k8s.io/v1  scopes}] without impersonating a user',
    );
  });

  it('answers 403 when the caller may not impersonate', async () => {
    const r = await call(sim, '/api/v1/pods', {
      token: DEFAULT_USER_TOKENS.viewer,
      headers: { 'Impersonate-User': 'exec-user' },
    });
    assert.equal(r.status, 403);
    assert.equal(
      r.body,
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"users \\"exec-user\\" is forbidden: User \\"viewer\\" cannot impersonate resource \\"users\\" in API group \\"\\" at the cluster scope","reason":"Forbidden","details":{"name":"exec-user","kind":"users"},"code":403}',
    );
  });

  it('checks every part: extras and uids need rules in authentication.k8s.io', async () => {
    const extra = await call(sim, '/api/v1/pods', {
      token: DEFAULT_USER_TOKENS.impersonator,
      headers: { 'Impersonate-User': 'viewer', 'Impersonate-Extra-Acme.com%2Fproject': 'p1' },
    });
    assert.equal(extra.status, 403);
    assert.equal(
      extra.json()['message'],
      'userextras.authentication.k8s.io "p1" is forbidden: User "broker" cannot impersonate resource "userextras/acme.com/project" in API group "authentication.k8s.io" at the cluster scope',
    );
    assert.deepEqual(extra.json()['details'], { name: 'p1', group: 'authentication.k8s.io', kind: 'userextras' });
    const uid = await call(sim, '/api/v1/pods', {
      token: DEFAULT_USER_TOKENS.impersonator,
      headers: { 'Impersonate-User': 'viewer', 'Impersonate-Uid': 'u-1' },
    });
    assert.equal(uid.status, 403);
    assert.equal(
      uid.json()['message'],
      'uids.authentication.k8s.io "u-1" is forbidden: User "broker" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
    );
  });

  it('lets system:masters impersonate anything, including service accounts with their groups and extras', async () => {
    const r = await wsAs(sim.adminToken, [
      'Impersonate-User: system:serviceaccount:default:runner',
      'Impersonate-Extra-Scopes: a',
      'Impersonate-Extra-Scopes: b',
      'Impersonate-Uid: 42',
    ]);
    // The service account has no exec rights: the 403 proves the request ran as it.
    assert.equal(r.status, 403);
    assert.match(
      parseStatus(r.body).message ?? '',
      /User "system:serviceaccount:default:runner" cannot get resource "pods\/exec"/,
    );
    const ok = await wsAs(sim.adminToken, [
      'Impersonate-User: someone',
      'Impersonate-Group: system:masters',
      'Impersonate-Extra-Scopes: a',
      'Impersonate-Extra-Scopes: b',
      'Impersonate-Uid: 42',
    ]);
    assert.equal(ok.status, 418);
    assert.deepEqual(exec.handed.at(-1)?.exec.user, {
      name: 'someone',
      uid: '42',
      groups: ['system:masters', 'system:authenticated'],
      extra: { scopes: ['a', 'b'] },
    });
  });
});
