import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { KubeSim } from '../http/api-server.js';
import { startKubeSim } from '../kube-sim.js';
import { parseStatus } from './http-support.js';

/**
 * The HTTP side in front of the real exec server: the bearer-token subprotocol end to end
 * (conformance item 4) and errors before the upgrade as a WebSocket client sees them.
 */

const PATH = '/api/v1/namespaces/default/pods/demo/exec?command=sh&command=-c&command=echo%20hi&stdout=true';
const tokenProtocol = (t: string): string =>
  `base64url.bearer.authorization.k8s.io.${Buffer.from(t).toString('base64url')}`;

interface Outcome {
  protocol?: string;
  frames: Buffer[];
  closeCode?: number;
  status?: number;
  body?: string;
}

function open(sim: KubeSim, path: string, protocols: string[], headers: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss${sim.url.slice('https'.length)}${path}`, protocols, { ca: sim.caCert, headers });
    const out: Outcome = { frames: [] };
    ws.on('open', () => (out.protocol = ws.protocol));
    ws.on('message', (d: Buffer) => out.frames.push(d));
    ws.on('close', (code) => {
      out.closeCode = code;
      resolve(out);
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        out.status = res.statusCode ?? 0;
        out.body = body;
        resolve(out);
      });
    });
    ws.on('error', reject);
  });
}

describe('WebSocket exec through the HTTP side', () => {
  let sim: KubeSim;
  before(async () => {
    sim = await startKubeSim();
  });
  after(() => sim.close());

  it('authenticates with the token subprotocol and echoes only v5.channel.k8s.io', async () => {
    const r = await open(sim, PATH, [tokenProtocol(sim.adminToken), 'v5.channel.k8s.io']);
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    const stdout = Buffer.concat(r.frames.filter((f) => f[0] === 1).map((f) => f.subarray(1))).toString();
    assert.equal(stdout, 'hi\n');
    const status = r.frames
      .find((f) => f[0] === 3)
      ?.subarray(1)
      .toString();
    assert.equal(status, '{"metadata":{},"status":"Success"}');
    assert.equal(r.closeCode, 1000);
  });

  it('refuses the token subprotocol offered alone with 401', async () => {
    const r = await open(sim, PATH, [tokenProtocol(sim.adminToken)]);
    assert.equal(r.status, 401);
    assert.equal(parseStatus(r.body ?? '{}').reason, 'Unauthorized');
  });

  it('gives a WebSocket client the apiserver Status bodies before the upgrade', async () => {
    const auth = { Authorization: `Bearer ${sim.adminToken}` };
    const missing = await open(sim, PATH.replace('/demo/', '/ghost/'), ['v5.channel.k8s.io'], auth);
    assert.equal(missing.status, 404);
    assert.equal(parseStatus(missing.body ?? '{}').message, 'pods "ghost" not found');
    const several = await open(sim, PATH.replace('/demo/', '/multi/'), ['v5.channel.k8s.io'], auth);
    assert.equal(several.status, 400);
    assert.equal(
      parseStatus(several.body ?? '{}').message,
      'a container name must be specified for pod multi, choose one of: [app sidecar]',
    );
  });

  it('counts the handed-off stream under its negotiated protocol', async () => {
    const key = 'GET /api/v1/namespaces/{ns}/pods/{name}/exec v5.channel.k8s.io';
    const before = sim.stats().requests[key] ?? 0;
    await open(sim, PATH, ['v5.channel.k8s.io'], { Authorization: `Bearer ${sim.adminToken}` });
    assert.equal(sim.stats().requests[key], before + 1);
  });
});
