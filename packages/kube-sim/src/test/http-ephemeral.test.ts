import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { Channel } from '@pod-shell/protocol';
import { DEFAULT_USER_TOKENS } from '../fixtures/defaults.js';
import type { KubeSim } from '../http/api-server.js';
import { startKubeSim } from '../kube-sim.js';
import { RawExecClient } from './exec-client.js';
import { call, type HttpResult } from './http-support.js';

/**
 * pods/ephemeralcontainers on the wire: the three PATCH types and PUT, validation, RBAC, the pod watch
 * that reports waiting → running → terminated, attach to the new container, and its log.
 */

const POD = '/api/v1/namespaces/team-a/pods/distroless-0';
const SUB = `${POD}/ephemeralcontainers`;

interface Pod {
  metadata: { resourceVersion: string };
  spec: { ephemeralContainers?: Record<string, unknown>[] };
  status: {
    ephemeralContainerStatuses?: { name: string; state: Record<string, { exitCode?: number; reason?: string }> }[];
  };
}

/** A watch stream: every event line as parsed JSON, and a way to wait for one. */
class WatchStream {
  readonly events: { type: string; object: Pod & { metadata: { annotations?: Record<string, string> } } }[] = [];
  response!: IncomingMessage;
  readonly #waiters: (() => void)[] = [];
  readonly #req;

  constructor(sim: KubeSim, path: string) {
    let buffered = '';
    this.#req = request(
      new URL(path, sim.url),
      { ca: sim.caCert, headers: { Authorization: `Bearer ${sim.adminToken}` }, agent: false },
      (res) => {
        this.response = res;
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buffered += d;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            this.events.push(JSON.parse(buffered.slice(0, nl)) as WatchStream['events'][number]);
            buffered = buffered.slice(nl + 1);
          }
          for (const w of this.#waiters.splice(0)) w();
        });
      },
    );
    this.#req.on('error', () => {});
    this.#req.end();
  }

  async until(
    predicate: (e: WatchStream['events'][number]) => boolean,
    what: string,
  ): Promise<WatchStream['events'][number]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`watch never delivered ${what}: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#req.destroy();
  }
}

const stateOf = (p: Pod, name: string): string | undefined =>
  Object.keys(p.status.ephemeralContainerStatuses?.find((s) => s.name === name)?.state ?? {})[0];

function patch(sim: KubeSim, type: string, body: unknown, token?: string): Promise<HttpResult> {
  return call(sim, SUB, {
    method: 'PATCH',
    headers: { 'Content-Type': type },
    body: JSON.stringify(body),
    ...(token === undefined ? {} : { token }),
  });
}

describe('pods/ephemeralcontainers', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim();
  });
  after(() => sim.close());

  it('a JSON patch adds a container; the watch reports it running, attach reaches its process, the log keeps its output', async () => {
    const rv = ((await call(sim, POD)).json() as unknown as Pod).metadata.resourceVersion;
    const watch = new WatchStream(
      sim,
      `/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3Ddistroless-0&resourceVersion=${rv}&watch=true`,
    );
    try {
      const r = await patch(sim, 'application/json-patch+json', [
        {
          op: 'add',
          path: '/spec/ephemeralContainers',
          value: [{ name: 'cat-1', image: 'busybox:1.36', command: ['cat'], stdin: true }],
        },
      ]);
      assert.equal(r.status, 200, r.body);
      const pod = r.json() as unknown as Pod;
      assert.deepEqual(pod.spec.ephemeralContainers, [
        {
          name: 'cat-1',
          image: 'busybox:1.36',
          command: ['cat'],
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          stdin: true,
        },
      ]);
      assert.ok(Number(pod.metadata.resourceVersion) > Number(rv), 'the update bumped the resourceVersion');
      const running = await watch.until(
        (e) => e.type === 'MODIFIED' && stateOf(e.object, 'cat-1') === 'running',
        'cat-1 running',
      );
      assert.match(watch.response.headers['content-type'] ?? '', /^application\/json/);
      assert.equal(watch.response.headers['transfer-encoding'], 'chunked');
      assert.ok(Number(running.object.metadata.resourceVersion) > Number(pod.metadata.resourceVersion));

      // Attach (no TTY): stdin reaches the container's main process, its output comes back.
      const ws = (): RawExecClient =>
        new RawExecClient(
          `${sim.url.replace('https', 'wss')}${POD}/attach?container=cat-1&stdin=true&stdout=true&stderr=true`,
          ['v5.channel.k8s.io'],
          {
            ca: sim.caCert,
            headers: { Authorization: `Bearer ${sim.adminToken}` },
          },
        );
      const first = ws();
      await first.opened;
      first.send(Channel.Stdin, 'one\n');
      await first.until(() => first.stdout().includes('one\n'), 10_000, 'echo of one');
      first.ws.close(1000);
      await first.closed;
      // Detaching left the process running: a second attach reaches the same cat.
      const second = ws();
      await second.opened;
      second.send(Channel.Stdin, 'two\n');
      await second.until(() => second.stdout().includes('two\n'), 10_000, 'echo of two');
      assert.ok(!second.stdout().includes('one'), 'attach sees output from the moment it attached');
      const cat = sim.stats().processes.find((p) => p.container === 'cat-1');
      assert.ok(cat?.pid);
      process.kill(cat.pid, 'SIGTERM');
      // The container ended: attach ends with a plain Success status, the pod says terminated 143.
      await second.closed;
      assert.deepEqual(second.statuses(), ['{"metadata":{},"status":"Success"}']);
      const ended = await watch.until((e) => stateOf(e.object, 'cat-1') === 'terminated', 'cat-1 terminated');
      const term = ended.object.status.ephemeralContainerStatuses!.find((s) => s.name === 'cat-1')!.state[
        'terminated'
      ]!;
      assert.deepEqual([term.exitCode, term.reason], [143, 'Error']);
      const log = await call(sim, `${POD}/log?container=cat-1`);
      assert.equal(log.body, 'one\ntwo\n');
    } finally {
      watch.close();
    }
  });

  it('a watch without resourceVersion starts with ADDED; sendInitialEvents ends the initial list with a bookmark', async () => {
    const plain = new WatchStream(sim, '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3Dweb-0&watch=true');
    const list = new WatchStream(
      sim,
      '/api/v1/namespaces/team-a/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
    );
    try {
      const added = await plain.until((e) => e.type === 'ADDED', 'ADDED');
      assert.equal((added.object as unknown as { metadata: { name: string } }).metadata.name, 'web-0');
      const bookmark = await list.until((e) => e.type === 'BOOKMARK', 'BOOKMARK');
      assert.equal(bookmark.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
      assert.deepEqual(
        list.events.slice(0, -1).map((e) => e.type),
        ['ADDED', 'ADDED'],
      );
    } finally {
      plain.close();
      list.close();
    }
  });

  it('validates like the apiserver: no removal, no change, no duplicates, no ports', async () => {
    const removed = await patch(sim, 'application/json-patch+json', [
      { op: 'remove', path: '/spec/ephemeralContainers/0' },
    ]);
    assert.equal(removed.status, 422);
    assert.equal(
      removed.json()['message'],
      'Pod "distroless-0" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "cat-1" may not be removed\n',
    );
    const changed = await patch(sim, 'application/strategic-merge-patch+json', {
      spec: { ephemeralContainers: [{ name: 'cat-1', image: 'alpine' }] },
    });
    assert.equal(changed.status, 422);
    assert.match(String(changed.json()['message']), /existing ephemeral containers "cat-1" may not be changed/);
    const bad = await patch(sim, 'application/strategic-merge-patch+json', {
      spec: { ephemeralContainers: [{ name: 'app', image: 'busybox', ports: [{ containerPort: 80 }] }] },
    });
    assert.equal(bad.status, 422);
    assert.deepEqual((bad.json()['details'] as { causes: unknown[] }).causes, [
      { reason: 'FieldValueDuplicate', message: 'Duplicate value: "app"', field: 'spec.ephemeralContainers[1].name' },
      {
        reason: 'FieldValueForbidden',
        message: 'Forbidden: cannot be set for an Ephemeral Container',
        field: 'spec.ephemeralContainers[1].ports',
      },
    ]);
    const type = await patch(sim, 'application/yaml', {});
    assert.equal(type.status, 415);
  });

  it('a merge patch and a PUT add containers; a stale PUT is a conflict', async () => {
    const current = (await call(sim, SUB)).json() as unknown as Pod & Record<string, unknown>;
    const list = [
      ...(current.spec.ephemeralContainers ?? []),
      { name: 'merge-1', image: 'busybox', command: ['sleep', '30'] },
    ];
    const merged = await patch(sim, 'application/merge-patch+json', { spec: { ephemeralContainers: list } });
    assert.equal(merged.status, 200, merged.body);
    const stale = await call(sim, SUB, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(current),
    });
    assert.equal(stale.status, 409);
    assert.match(
      String(stale.json()['message']),
      /^Operation cannot be fulfilled on pods "distroless-0": the object has been modified/,
    );
    const fresh = (await call(sim, SUB)).json() as unknown as Pod;
    fresh.spec.ephemeralContainers!.push({ name: 'put-1', image: 'busybox', command: ['sleep', '30'] });
    const put = await call(sim, SUB, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(fresh),
    });
    assert.equal(put.status, 200, put.body);
    assert.deepEqual(
      (put.json() as unknown as Pod).spec.ephemeralContainers!.map((c) => c['name']),
      ['cat-1', 'merge-1', 'put-1'],
    );
  });

  it('needs patch (or update) on pods/ephemeralcontainers', async () => {
    const r = await call(sim, '/api/v1/namespaces/default/pods/demo/ephemeralcontainers', {
      method: 'PATCH',
      token: DEFAULT_USER_TOKENS.execUser,
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: '{}',
    });
    assert.equal(r.status, 403);
    assert.equal(
      r.json()['message'],
      'pods "demo" is forbidden: User "exec-user" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "default"',
    );
    const put = await call(sim, '/api/v1/namespaces/default/pods/demo/ephemeralcontainers', {
      method: 'PUT',
      token: DEFAULT_USER_TOKENS.execUser,
      body: '{}',
    });
    assert.match(String(put.json()['message']), /cannot update resource "pods\/ephemeralcontainers"/);
  });

  it("stdinOnce: the first attach with stdin ending hangs up the container's TTY shell, which then terminates", async () => {
    const r = await patch(sim, 'application/strategic-merge-patch+json', {
      spec: {
        ephemeralContainers: [
          { name: 'once-1', image: 'busybox', command: ['sh'], stdin: true, stdinOnce: true, tty: true },
        ],
      },
    });
    assert.equal(r.status, 200, r.body);
    const watch = new WatchStream(
      sim,
      `/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3Ddistroless-0&watch=true`,
    );
    try {
      await watch.until((e) => stateOf(e.object, 'once-1') === 'running', 'once-1 running');
      const c = new RawExecClient(
        `${sim.url.replace('https', 'wss')}${POD}/attach?container=once-1&stdin=true&stdout=true&tty=true`,
        ['v5.channel.k8s.io'],
        {
          ca: sim.caCert,
          headers: { Authorization: `Bearer ${sim.adminToken}` },
        },
      );
      await c.opened;
      c.send(Channel.Stdin, 'echo "x=$((2+3))"\r');
      await c.until(() => c.stdout().includes('x=5'), 10_000, 'shell output');
      c.ws.close(1000);
      const ended = await watch.until((e) => stateOf(e.object, 'once-1') === 'terminated', 'once-1 terminated');
      const term = ended.object.status.ephemeralContainerStatuses!.find((s) => s.name === 'once-1')!.state[
        'terminated'
      ]!;
      assert.equal(term.exitCode, 129, 'SIGHUP');
      assert.ok(!sim.stats().processes.some((p) => p.container === 'once-1'));
    } finally {
      watch.close();
    }
  });
});
