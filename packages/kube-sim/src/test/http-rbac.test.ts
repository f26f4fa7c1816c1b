import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resourceAttributes, nonResourceAttributes } from '../auth/attributes.js';
import { forbidden } from '../auth/forbidden.js';
import { RbacAuthorizer } from '../auth/rbac.js';
import { DEFAULT_USER_TOKENS } from '../fixtures/defaults.js';
import { parseFixtureYaml } from '../fixtures/load.js';
import type { UserInfo } from '../fixtures/types.js';
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

const POLICY = `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: exec-named, namespace: ns1}
rules:
- apiGroups: [""]
  resources: ["pods/exec"]
  verbs: ["get", "create"]
  resourceNames: ["allowed"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-exec, namespace: ns1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: exec-named}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: any-subresource-exec}
rules:
- apiGroups: ["*"]
  resources: ["*/exec"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs-exec, namespace: ns2}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: any-subresource-exec}
subjects: [{kind: Group, name: devs}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["list"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: sa-lists}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}
subjects: [{kind: ServiceAccount, name: lister, namespace: ops}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: sa-local, namespace: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: any-subresource-exec}
subjects: [{kind: ServiceAccount, name: local}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: ns3}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing-role}
subjects: [{kind: User, name: carol}]
`;

const u = (name: string, groups: string[] = []): UserInfo => ({
  name,
  groups: [...groups, 'system:authenticated'],
  extra: {},
});

describe('RBAC authorizer', () => {
  const rbac = new RbacAuthorizer(parseFixtureYaml(POLICY).rbac);
  const exec = (user: UserInfo, verb: string, namespace: string, name: string): boolean =>
    rbac.authorize(resourceAttributes(user, verb, { resource: 'pods', subresource: 'exec', namespace, name })).allowed;

  it('matches verbs, resources with subresources, resourceNames and the binding namespace', () => {
    const alice = u('alice');
    assert.equal(exec(alice, 'get', 'ns1', 'allowed'), true);
    assert.equal(exec(alice, 'create', 'ns1', 'allowed'), true);
    assert.equal(exec(alice, 'create', 'ns1', 'other'), false, 'resourceNames');
    assert.equal(exec(alice, 'create', 'ns2', 'allowed'), false, 'RoleBinding is namespaced');
    assert.equal(exec(alice, 'delete', 'ns1', 'allowed'), false, 'verb');
    assert.equal(
      rbac.authorize(resourceAttributes(alice, 'get', { resource: 'pods', namespace: 'ns1', name: 'allowed' })).allowed,
      false,
      'pods is not pods/exec',
    );
  });

  it('matches groups, */subresource and * apiGroups', () => {
    assert.equal(exec(u('bob', ['devs']), 'create', 'ns2', 'x'), true);
    assert.equal(exec(u('bob'), 'create', 'ns2', 'x'), false);
    assert.equal(
      rbac.authorize(
        resourceAttributes(u('bob', ['devs']), 'create', {
          resource: 'pods',
          subresource: 'attach',
          namespace: 'ns2',
          name: 'x',
        }),
      ).allowed,
      false,
    );
  });

  it("matches service accounts, defaulting the subject namespace to the binding's", () => {
    const lister = u('system:serviceaccount:ops:lister', ['system:serviceaccounts']);
    assert.equal(
      rbac.authorize(resourceAttributes(lister, 'list', { resource: 'pods' })).allowed,
      true,
      'cluster scope via ClusterRoleBinding',
    );
    assert.equal(
      rbac.authorize(resourceAttributes(lister, 'get', { resource: 'pods', namespace: 'a', name: 'b' })).allowed,
      false,
    );
    assert.equal(exec(u('system:serviceaccount:ops:local'), 'create', 'ops', 'p'), true);
    assert.equal(exec(u('system:serviceaccount:other:local'), 'create', 'ops', 'p'), false);
  });

  it('lets system:masters do anything and gives a reason for a binding to a missing role', () => {
    assert.equal(
      rbac.authorize(nonResourceAttributes(u('root', ['system:masters']), 'delete', '/anything')).allowed,
      true,
    );
    assert.deepEqual(
      rbac.authorize(resourceAttributes(u('carol'), 'get', { resource: 'pods', namespace: 'ns3', name: 'p' })),
      {
        allowed: false,
        reason: 'RBAC: role.rbac.authorization.k8s.io "missing-role" not found',
      },
    );
  });

  it('words forbidden errors like the apiserver', () => {
    const nsExec = forbidden(
      resourceAttributes(u('U'), 'create', { resource: 'pods', subresource: 'exec', namespace: 'N', name: 'P' }),
    );
    assert.equal(
      nsExec.body(),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"P\\" is forbidden: User \\"U\\" cannot create resource \\"pods/exec\\" in API group \\"\\" in the namespace \\"N\\"","reason":"Forbidden","details":{"name":"P","kind":"pods"},"code":403}',
    );
    assert.equal(
      forbidden(resourceAttributes(u('U'), 'list', { resource: 'pods' })).message,
      'pods is forbidden: User "U" cannot list resource "pods" in API group "" at the cluster scope',
    );
    assert.equal(
      forbidden(nonResourceAttributes(u('U'), 'get', '/x')).message,
      'forbidden: User "U" cannot get path "/x"',
    );
    assert.equal(
      forbidden(
        resourceAttributes(u('U'), 'impersonate', {
          apiGroup: 'authentication.k8s.io',
          resource: 'userextras',
          subresource: 'scopes',
          name: 'v',
        }),
      ).message,
      'userextras.authentication.k8s.io "v" is forbidden: User "U" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    );
  });
});

describe('RBAC over HTTP with the default users (1.35 semantics)', () => {
  let sim: KubeSim;
  let exec: RecordingExec;
  before(async () => {
    ({ sim, exec } = await startWithRecorder());
  });
  after(() => sim.close());

  const wsExec = async (token: string, ns = 'default', pod = 'demo'): Promise<ReturnType<typeof parseRaw>> =>
    parseRaw(
      await rawUpgrade(sim, `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=true&stdout=true`, [
        ...WS_HEADERS,
        'Sec-WebSocket-Protocol: v5.channel.k8s.io',
        `Authorization: Bearer ${token}`,
      ]),
    );
  const spdyExec = async (token: string): Promise<ReturnType<typeof parseRaw>> =>
    parseRaw(
      await rawUpgrade(
        sim,
        '/api/v1/namespaces/default/pods/demo/exec?command=true&stdout=true',
        [
          'Connection: Upgrade',
          'Upgrade: SPDY/3.1',
          'X-Stream-Protocol-Version: v4.channel.k8s.io',
          `Authorization: Bearer ${token}`,
          'Content-Length: 0',
        ],
        'POST',
      ),
    );
  const forbiddenBody = (user: string, verb: string, pod = 'demo', ns = 'default'): string =>
    `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"${pod}\\" is forbidden: User \\"${user}\\" cannot ${verb} resource \\"pods/exec\\" in API group \\"\\" in the namespace \\"${ns}\\"","reason":"Forbidden","details":{"name":"${pod}","kind":"pods"},"code":403}`;

  it('a user with get and create on pods/exec may exec over WebSocket in its namespace only', async () => {
    assert.equal((await wsExec(DEFAULT_USER_TOKENS.execUser)).status, 418);
    assert.equal(exec.handed.at(-1)?.exec.user.name, 'exec-user');
    const other = await wsExec(DEFAULT_USER_TOKENS.execUser, 'team-a', 'web-0');
    assert.equal(other.status, 403);
    assert.equal(other.body, forbiddenBody('exec-user', 'get', 'web-0', 'team-a'));
  });

  it('get alone is not enough for a WebSocket exec: the second check wants create', async () => {
    const r = await wsExec(DEFAULT_USER_TOKENS.execGetOnly);
    assert.equal(r.status, 403);
    assert.equal(r.body, forbiddenBody('exec-getter', 'create'));
  });

  it('create alone fails the WebSocket GET but passes the SPDY POST', async () => {
    const r = await wsExec(DEFAULT_USER_TOKENS.execCreateOnly);
    assert.equal(r.status, 403);
    assert.equal(r.body, forbiddenBody('exec-creator', 'get'));
    const before = exec.handed.length;
    assert.equal((await spdyExec(DEFAULT_USER_TOKENS.execCreateOnly)).status, 418);
    assert.equal(exec.handed.length, before + 1);
  });

  it('authorizes attach as its own subresource', async () => {
    const r = parseRaw(
      await rawUpgrade(sim, '/api/v1/namespaces/default/pods/demo/attach?stdout=true', [
        ...WS_HEADERS,
        'Sec-WebSocket-Protocol: v5.channel.k8s.io',
        `Authorization: Bearer ${DEFAULT_USER_TOKENS.execGetOnly}`,
      ]),
    );
    assert.equal(r.status, 403);
    assert.equal(
      parseStatus(r.body).message,
      'pods "demo" is forbidden: User "exec-getter" cannot get resource "pods/attach" in API group "" in the namespace "default"',
    );
    const ok = parseRaw(
      await rawUpgrade(sim, '/api/v1/namespaces/default/pods/demo/attach?stdout=true', [
        ...WS_HEADERS,
        'Sec-WebSocket-Protocol: v5.channel.k8s.io',
        `Authorization: Bearer ${DEFAULT_USER_TOKENS.execUser}`,
      ]),
    );
    assert.equal(ok.status, 418);
  });

  it('checks RBAC before the pod exists, so a forbidden user cannot probe pod names', async () => {
    const r = await wsExec(DEFAULT_USER_TOKENS.viewer, 'default', 'no-such-pod');
    assert.equal(r.status, 403);
    assert.equal(r.body, forbiddenBody('viewer', 'get', 'no-such-pod'));
  });

  it('a viewer may list and get pods but not namespaces it has no rule for', async () => {
    assert.equal((await call(sim, '/api/v1/pods', { token: DEFAULT_USER_TOKENS.viewer })).status, 200);
    const r = await call(sim, '/api/v1/pods', { token: DEFAULT_USER_TOKENS.execUser });
    assert.equal(r.status, 403);
    assert.equal(
      r.json()['message'],
      'pods is forbidden: User "exec-user" cannot list resource "pods" in API group "" at the cluster scope',
    );
    assert.deepEqual(r.json()['details'], { kind: 'pods' });
  });
});
