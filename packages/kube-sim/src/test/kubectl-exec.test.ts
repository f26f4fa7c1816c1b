import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_USER_TOKENS } from '../fixtures/defaults.js';
import { useKubectlSim } from './kubectl-support.js';

/** The real kubectl (WebSocket exec by default since 1.30) against the simulator's kubeconfig. */

const SPDY_ERROR =
  'Error from server (BadRequest): kube-sim does not support SPDY streaming; use a client that speaks WebSocket exec (v5.channel.k8s.io), such as kubectl 1.30+\n';
const forbiddenExec = (user: string): string =>
  `Error from server (Forbidden): pods "demo" is forbidden: User "${user}" cannot create resource "pods/exec" in API group "" in the namespace "default"\n`;

const t = useKubectlSim();

for (const version of ['1.30', '1.32', '1.33']) {
  describe(`kubectl ${version}`, () => {
    it('get pods -A lists every pod in a table', async () => {
      const r = await t.kubectl.run(version, ['get', 'pods', '-A']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      const rows = lines.slice(1).map((l) => l.split(/\s+/).slice(0, 5).join(' '));
      assert.deepEqual(rows, [
        'default demo 1/1 Running 0',
        'default echo-0 1/1 Running 0',
        'default multi 2/2 Running 0',
        'team-a distroless-0 1/1 Running 0',
        'team-a web-0 1/1 Running 0',
      ]);
    });

    it("exec demo -- sh -c 'echo hi; exit 3' prints hi and exits 3", async () => {
      const r = await t.kubectl.run(version, ['exec', 'demo', '--', 'sh', '-c', 'echo hi; exit 3']);
      assert.equal(r.stdout, 'hi\n');
      assert.equal(r.code, 3);
      assert.equal(r.stderr, 'command terminated with exit code 3\n');
    });

    it('echo hello | exec -i demo -- cat prints hello', async () => {
      const r = await t.kubectl.run(version, ['exec', '-i', 'demo', '--', 'cat'], { input: 'hello\n' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hello\n');
    });

    it('exec multi -- hostname uses the annotated default container', async () => {
      const r = await t.kubectl.run(version, ['exec', 'multi', '--', 'hostname']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'multi\n');
      // Without the annotation kubectl would print `Defaulted container "app" out of: app, sidecar`.
      assert.equal(r.stderr, '');
      const where = await t.kubectl.run(version, ['exec', 'multi', '--', 'pwd']);
      assert.match(where.stdout, /\/default\/multi\/app\n$/, 'the exec ran in container app');
    });

    it('a missing pod gives NotFound', async () => {
      const r = await t.kubectl.run(version, ['exec', 'nope', '--', 'true']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'Error from server (NotFound): pods "nope" not found\n');
    });

    it('a bad -c gives the apiserver BadRequest', async () => {
      const r = await t.kubectl.run(version, ['exec', 'multi', '-c', 'bad', '--', 'true']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'Error from server (BadRequest): container bad is not valid for pod multi\n');
    });

    it('RBAC: no exec rights, or get only, is Forbidden (the SPDY retry asks for create)', async () => {
      for (const [token, user] of [
        [DEFAULT_USER_TOKENS.viewer, 'viewer'],
        [DEFAULT_USER_TOKENS.execGetOnly, 'exec-getter'],
      ] as const) {
        const r = await t.kubectl.run(version, ['exec', 'demo', '--', 'true'], { token });
        assert.equal(r.code, 1);
        assert.equal(r.stderr, forbiddenExec(user));
      }
    });

    it('RBAC: create only fails the WebSocket attempt and the SPDY fallback is refused clearly', async () => {
      const r = await t.kubectl.run(version, ['exec', 'demo', '--', 'true'], {
        token: DEFAULT_USER_TOKENS.execCreateOnly,
      });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, SPDY_ERROR);
    });

    it('--as: the impersonator may exec as exec-user; a viewer may not impersonate; the identity is the impersonated one', async () => {
      const ok = await t.kubectl.run(
        version,
        ['exec', '--as=exec-user', 'demo', '--', 'sh', '-c', 'echo as-$(hostname)'],
        { token: DEFAULT_USER_TOKENS.impersonator },
      );
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'as-demo\n');
      // Discovery itself is impersonated: with a cold cache kubectl only reports the /api 403 as "unknown".
      const cold = await t.kubectl.run(version, ['exec', '--as=exec-user', 'demo', '--', 'true'], {
        token: DEFAULT_USER_TOKENS.viewer,
      });
      assert.equal(cold.code, 1);
      assert.match(cold.stderr, /couldn't get current server API group list: unknown/);
      assert.match(cold.stderr, /\nError from server \(Forbidden\): unknown\n$/);
      // With discovery cached (as after any earlier kubectl use), the pod GET shows the apiserver's message.
      const home = t.kubectl.home(`as-${version}`);
      assert.equal((await t.kubectl.run(version, ['get', 'pods'], { home })).code, 0);
      const denied = await t.kubectl.run(version, ['exec', '--as=exec-user', 'demo', '--', 'true'], {
        token: DEFAULT_USER_TOKENS.viewer,
        home,
      });
      assert.equal(denied.code, 1);
      assert.equal(
        denied.stderr,
        'Error from server (Forbidden): users "exec-user" is forbidden: User "viewer" cannot impersonate resource "users" in API group "" at the cluster scope\n',
      );
      const asViewer = await t.kubectl.run(version, ['exec', '--as=viewer', 'demo', '--', 'true'], {
        token: DEFAULT_USER_TOKENS.impersonator,
      });
      assert.equal(asViewer.code, 1);
      assert.equal(asViewer.stderr, forbiddenExec('viewer'));
    });

    it('exec into team-a/web-0 runs with HOSTNAME = pod name in the container working directory', async () => {
      const r = await t.kubectl.run(version, [
        'exec',
        '-n',
        'team-a',
        'web-0',
        '--',
        'sh',
        '-c',
        'echo "$HOSTNAME"; pwd',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^web-0\n\/.*\/team-a\/web-0\/web\n$/);
    });

    it('exec into the distroless pod (no shell) fails the way containerd reports a missing binary', async () => {
      const r = await t.kubectl.run(version, ['exec', '-n', 'team-a', 'distroless-0', '--', 'sh', '-c', 'echo hi']);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        /^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in \$PATH: unknown\n$/,
      );
    });

    it('a user with get and create on pods/exec may exec', async () => {
      const r = await t.kubectl.run(version, ['exec', 'demo', '--', 'sh', '-c', 'echo ok'], {
        token: DEFAULT_USER_TOKENS.execUser,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'ok\n');
    });
  });
}

it('kubectl auth can-i answers from the same RBAC (SelfSubjectAccessReview over protobuf)', async () => {
  const can = async (token: string, args: string[]): Promise<string> => {
    const r = await t.kubectl.run('1.32', ['auth', 'can-i', ...args], { token });
    assert.equal(r.code, r.stdout === 'yes\n' ? 0 : 1, r.stderr);
    return r.stdout.trim();
  };
  assert.equal(await can(DEFAULT_USER_TOKENS.execUser, ['get', 'pods', '--subresource=exec']), 'yes');
  assert.equal(await can(DEFAULT_USER_TOKENS.execUser, ['create', 'pods', '--subresource=exec']), 'yes');
  assert.equal(await can(DEFAULT_USER_TOKENS.execUser, ['create', 'pods', '--subresource=exec', '-n', 'team-a']), 'no');
  assert.equal(await can(DEFAULT_USER_TOKENS.execGetOnly, ['create', 'pods', '--subresource=exec']), 'no');
  assert.equal(
    await can(DEFAULT_USER_TOKENS.impersonator, ['create', 'pods', '--subresource=exec', '--as=exec-user']),
    'yes',
  );
  assert.equal(await can(t.sim.adminToken, ['delete', 'nodes']), 'yes');
});

it('#5: a connection dropped before the status makes kubectl report "error reading from error stream"', async () => {
  t.sim.setFaults({ pod: 'demo', dropAfterBytes: 3 });
  try {
    const r = await t.kubectl.run('1.32', ['exec', 'demo', '--', 'sh', '-c', 'echo hello; sleep 1']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'hel');
    assert.match(
      r.stderr,
      /\nerror: error reading from error stream: next reader: websocket: close 1006 \(abnormal closure\): unexpected EOF\n$/,
    );
  } finally {
    t.sim.setFaults({});
  }
});

for (const version of ['1.27', '1.29']) {
  it(`kubectl ${version} (SPDY only) gets a clear "not supported" error`, async () => {
    const r = await t.kubectl.run(version, ['exec', 'demo', '--', 'true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, SPDY_ERROR);
  });
}

it('kubectl 1.29 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true uses WebSocket and works', async () => {
  const r = await t.kubectl.run('1.29', ['exec', 'demo', '--', 'sh', '-c', 'echo ws'], {
    env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'true' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ws\n');
});

it('kubectl with --server/--token calls /api, /apis, /api/v1, the pod, then the WebSocket exec', async () => {
  const caPath = `${t.kubectl.dir}/ca.pem`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(caPath, t.sim.caCert);
  const r = await t.kubectl.run('1.30', [
    '-v=6',
    '--kubeconfig=/dev/null',
    `--server=${t.sim.url}`,
    `--token=${t.sim.adminToken}`,
    `--certificate-authority=${caPath}`,
    '-n',
    'default',
    'exec',
    'demo',
    '--',
    'true',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const calls = [...r.stderr.matchAll(/\] (GET|POST) https:\/\/[^/]+(\/\S*)/g)].map(
    (m) => `${m[1] ?? ''} ${(m[2] ?? '').split('?')[0] ?? ''}`,
  );
  // client-go fetches the group versions in parallel, so their order varies.
  assert.deepEqual(calls.slice(0, 2), ['GET /api', 'GET /apis']);
  assert.deepEqual(calls.slice(2, 4).sort(), ['GET /api/v1', 'GET /apis/authorization.k8s.io/v1']);
  assert.deepEqual(calls.slice(4), [
    'GET /api/v1/namespaces/default/pods/demo',
    'GET /api/v1/namespaces/default/pods/demo/exec',
  ]);
  assert.match(r.stderr, /exec\?command=true&container=shell&stderr=true&stdout=true 101 Switching Protocols/);
});
