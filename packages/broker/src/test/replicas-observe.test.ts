import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CloseCode, POD_SHELL_BEARER_PREFIX, POD_SHELL_OBSERVE, POD_SHELL_SUBPROTOCOL } from '@pod-shell/protocol';
import { mintToken } from '../auth/token-mint.js';
import { ErrorCode } from '../errors.js';
import {
  observeLinkEntry,
  REPLICA_CLIENT_IP_HEADER,
  REPLICA_LINK_HEADER,
  signReplicaLink,
} from '../server/replica-link-auth.js';
import { TestClient, UpgradeRefused } from './client.js';
import { TEST_ORIGIN, tenantDoc } from './harness.js';
import { useReplicaCluster, type Replica } from './replicas-cluster.js';

const LINK_SECRET = 'replica-link-test-secret-0123456789abcdef';

/**
 * Observers through any replica (issue 12 item 4): the watcher reaches another replica than the one
 * holding the session, which relays it over the authenticated replica link.
 */
describe('observe a session held by another replica', () => {
  const { cluster, connect } = useReplicaCluster({
    replicas: 3,
    env: { REPLICA_LINK_SECRET: LINK_SECRET },
    extraTenants: [
      tenantDoc({ name: 'watch', issuer: 'https://watch.example', observers: true }),
      tenantDoc({ name: 'watch2', issuer: 'https://watch2.example', observers: true }),
    ],
  });
  let A: Replica, C: Replica;

  // startReplicaCluster waits for every replica's /readyz.
  before(() => {
    [A, , C] = cluster().replicas as [Replica, Replica, Replica];
  });

  const observerToken = (sessionId: string, tenant = 'watch'): string =>
    mintToken({
      tenant: cluster().tenants.find((t) => t.name === tenant)!,
      sub: 'bob',
      observe: sessionId,
      ttlSeconds: 600,
    });
  const watch = (r: Replica, token: string): Promise<TestClient> =>
    TestClient.connect(r.url, { origin: TEST_ORIGIN, token, observe: true });

  it('an observer on C sees what the owner on A types, cannot type itself; the owner gets the count; gauges 0 after', async () => {
    const owner = await connect(A, { tenant: 'watch' });
    const hello = await owner.waitForControl('hello');
    owner.stdin('echo first-$((20+1))\r');
    await owner.waitForText('first-21');

    const eve = await watch(C, observerToken(hello.session));
    const seen = await eve.waitForControl('hello');
    assert.equal(seen.observer, true);
    assert.equal(seen.session, hello.session);
    await eve.waitForText('first-21'); // the recent output, from A's buffer, through C
    await owner.waitUntil(() => owner.controls.some((m) => m.type === 'observers' && m.count === 1), 'count 1');
    assert.equal((await cluster().gauges(C))['podshell_replica_links'], 1, 'C relays the observer');
    assert.equal((await cluster().gauges(A))['podshell_observers'], 1, 'A holds the observer');

    owner.stdin('echo typed-on-a-$((7*6))\r');
    await eve.waitForText('typed-on-a-42');
    eve.stdin('echo from-eve-$((1+1))\r');
    await eve.waitForControl('error');
    assert.equal((eve.control('error') as { code: string }).code, ErrorCode.OBSERVER_READ_ONLY);
    owner.stdin('echo after-$((9+9))\r');
    await owner.waitForText('after-18');
    assert.doesNotMatch(owner.text, /from-eve/);

    // The observer ends with the session, through the relay.
    owner.stdin('exit\r');
    assert.equal((await owner.waitForClose()).code, 1000);
    assert.equal((await eve.waitForClose()).code, 1000);
    await cluster().waitAllIdle();
  });

  it('a stalled observer on C is dropped (by its bound on A, through the link backing up) while the owner on A keeps streaming and echoing', async () => {
    const owner = await connect(A, { tenant: 'watch' });
    const hello = await owner.waitForControl('hello');
    owner.stdin('stty -echoctl; PS1="PROMPT> "\r');
    await owner.waitForText('PROMPT> ');
    owner.autoAck();
    const eve = await watch(C, observerToken(hello.session));
    await eve.waitForControl('hello');
    await owner.waitUntil(() => owner.controls.some((m) => m.type === 'observers' && m.count === 1), 'count 1');
    eve.socket.pause(); // C's socket to the watcher backs up, C stops reading the link, A's socket to C backs up
    owner.stdin('yes\r');
    await owner.waitUntil(
      () => owner.controls.some((m) => m.type === 'observers' && m.count === 0),
      'the stalled observer to be dropped',
      60_000,
    );
    owner.stdin('\x03');
    await owner.waitUntil(() => /PROMPT> $/.test(owner.tail(64)), 'the prompt after Ctrl-C', 10_000);
    owner.stdin('echo ok-$((1+1))\r');
    await owner.waitForText('ok-2');
    assert.equal((await cluster().gauges(A))['podshell_observers'], 0);
    eve.destroy();
    await owner.close();
  });

  it('refused through C: another tenant naming the session, or a tenant without observers (4412)', async () => {
    const owner = await connect(A, { tenant: 'watch' });
    const hello = await owner.waitForControl('hello');
    const plain = await connect(A);
    const plainHello = await plain.waitForControl('hello');
    for (const token of [observerToken(hello.session, 'watch2'), observerToken(plainHello.session, 'test')]) {
      const w = await watch(C, token);
      assert.equal((await w.waitForClose()).code, CloseCode.ObserveRefused);
      assert.equal(w.control('hello'), undefined);
    }
    assert.ok(!owner.controls.some((m) => m.type === 'observers'), 'the owner was never told of a watcher');
  });

  it('a forged replica link for an observer is refused with 403; a link header cannot be reused with another token', async () => {
    const owner = await connect(A, { tenant: 'watch' });
    const hello = await owner.waitForControl('hello');
    const token = observerToken(hello.session);
    const other = observerToken(hello.session);
    const link = (header: string, presented: string): Promise<TestClient> =>
      TestClient.connect(A.url, {
        origin: TEST_ORIGIN,
        protocols: [POD_SHELL_SUBPROTOCOL, POD_SHELL_BEARER_PREFIX + presented, POD_SHELL_OBSERVE],
        headers: { [REPLICA_LINK_HEADER]: header, [REPLICA_CLIENT_IP_HEADER]: '198.51.100.7' },
      });
    const refused403 = (err: unknown): boolean => err instanceof UpgradeRefused && err.status === 403;
    await assert.rejects(
      link(
        signReplicaLink('wrong-secret-0123456789abcdef-0123456789', 'b', '198.51.100.7', observeLinkEntry(token)),
        token,
      ),
      refused403,
    );
    const good = signReplicaLink(LINK_SECRET, 'b', '198.51.100.7', observeLinkEntry(token));
    await assert.rejects(link(good, other), refused403);
    // The genuine link works (and is what C sends).
    const w = await link(good, token);
    assert.equal((await w.waitForControl('hello')).observer, true);
    w.destroy();
    await owner.close();
  });
});
