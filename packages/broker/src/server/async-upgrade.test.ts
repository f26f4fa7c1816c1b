import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { HttpResponse, us_socket_context_t, WebSocket } from 'uWebSockets.js';
import { openingSlot, upgradeThenStart, type OpeningSlot } from './async-upgrade.js';
import { loadUwsBuild } from './uws.js';

interface Data {
  opening: OpeningSlot<Data>;
  closed: boolean;
}

/** A fake HttpResponse whose `upgrade` runs `open` synchronously, as uWS does. */
function fakeResponse(open: (data: Data) => void): { res: HttpResponse; inUpgrade: () => boolean } {
  let corked = false;
  let upgrading = false;
  const res = {
    cork(cb: () => void) {
      corked = true;
      try {
        cb();
      } finally {
        corked = false;
      }
      return res;
    },
    upgrade(data: Data) {
      assert.equal(corked, false, 'upgrade must not run inside res.cork (async-upgrade.ts)');
      upgrading = true;
      try {
        open(data);
      } finally {
        upgrading = false;
      }
    },
  };
  return { res: res as unknown as HttpResponse, inUpgrade: () => upgrading };
}

const ctx = {} as us_socket_context_t;

/** Runs one upgrade and counts how often it started a socket and how often it reported none. */
function upgradeCounting(res: HttpResponse, data: Data): { started: number; noSocket: number } {
  const counts = { started: 0, noSocket: 0 };
  upgradeThenStart(
    res,
    data,
    'key',
    'pod-shell.v1',
    '',
    ctx,
    () => counts.started++,
    () => counts.noSocket++,
  );
  return counts;
}

describe('async upgrade', () => {
  test('the socket is started only after res.upgrade() has returned, outside any cork', () => {
    const data: Data = { opening: openingSlot(), closed: false };
    const ws = { getUserData: () => data } as unknown as WebSocket<Data>;
    const { res, inUpgrade } = fakeResponse((d) => {
      d.opening.ws = ws;
    });
    const started: boolean[] = [];
    upgradeThenStart(
      res,
      data,
      'key',
      'pod-shell.v1',
      '',
      ctx,
      (w) => {
        assert.equal(w, ws);
        started.push(inUpgrade());
      },
      () => assert.fail('a socket was opened'),
    );
    assert.deepEqual(started, [false]);
    assert.equal(data.opening.ws, null);
  });

  test('a socket closed before it could start is not started', () => {
    const data: Data = { opening: openingSlot(), closed: false };
    const ws = { getUserData: () => data } as unknown as WebSocket<Data>;
    const { res } = fakeResponse((d) => {
      d.opening.ws = ws;
      d.closed = true;
    });
    const { started, noSocket } = upgradeCounting(res, data);
    assert.equal(started, 0);
    // Its close handler ran and ended what the socket carried: the caller is not asked again.
    assert.equal(noSocket, 0);
  });

  test('an upgrade that opened no socket tells its caller, once, and starts nothing', () => {
    const data: Data = { opening: openingSlot(), closed: false };
    const { res } = fakeResponse(() => {});
    const { started, noSocket } = upgradeCounting(res, data);
    assert.equal(started, 0);
    assert.equal(noSocket, 1);
  });

  // Real addon in a child process whose freed heap memory reads "connection close" (glibc fills it
  // with MALLOC_PERTURB_'s byte, 0x10): 200 async upgrades must all get hello and close with 1000.
  // Inside res.cork(), uWS 20.30 reads the upgraded socket's HTTP state from freed memory and closes
  // about 85 % of them before hello (async-upgrade.ts).
  test(
    'real uWS: whatever the freed heap holds, every client gets hello and a clean close',
    { timeout: 60_000 },
    async () => {
      const require = createRequire(import.meta.url);
      const script = `
      const uWS = require(process.env.UWS_PATH);
      const WebSocket = require(process.env.WS_PATH);
      import(process.env.UPGRADE_URL).then(({ openingSlot, upgradeThenStart }) => {
        const app = uWS.App();
        app.ws('/*', {
          upgrade: (res, req, context) => {
            const key = req.getHeader('sec-websocket-key');
            let aborted = false;
            res.onAborted(() => { aborted = true; });
            setTimeout(() => {
              if (aborted) return;
              const data = { opening: openingSlot(), closed: false };
              upgradeThenStart(res, data, key, 'pod-shell.v1', '', context, (ws) => {
                ws.cork(() => ws.send(JSON.stringify({ type: 'hello', at: new Date().toISOString(), pad: 'x'.repeat(64) }), false));
              }, () => {});
            }, Math.random() * 3);
          },
          open: (ws) => { ws.getUserData().opening.ws = ws; },
          message: (ws) => ws.end(1000, 'bye'),
          close: (ws) => { ws.getUserData().closed = true; },
        });
        app.listen('127.0.0.1', 0, (ls) => {
          const port = uWS.us_socket_local_port(ls);
          const codes = {};
          let next = 0;
          const one = () => new Promise((resolve) => {
            const c = new WebSocket('ws://127.0.0.1:' + port + '/', 'pod-shell.v1');
            let hello = false;
            c.on('message', () => { hello = true; c.send('x'); });
            c.on('error', () => {});
            c.on('close', (code) => { const k = hello ? String(code) : code + '-before-hello'; codes[k] = (codes[k] || 0) + 1; resolve(); });
          });
          const worker = async () => { while (next < 200) { next++; await one(); } };
          Promise.all(Array.from({ length: 25 }, worker)).then(() => {
            uWS.us_listen_socket_close(ls);
            process.stdout.write(JSON.stringify(codes));
            process.exit(0);
          });
        });
      });`;
      const child = spawn(process.execPath, ['-e', script], {
        env: {
          ...process.env,
          // The build this runtime loads (20.57, or 20.30 on a Node 20 / glibc 2.36 host: docs/runtime.md).
          UWS_PATH: require.resolve(loadUwsBuild().build.module),
          WS_PATH: require.resolve('ws'),
          UPGRADE_URL: new URL('./async-upgrade.js', import.meta.url).href,
          MALLOC_PERTURB_: '16',
        },
        cwd: fileURLToPath(new URL('.', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
        // A client that never gets hello would wait forever: end the child rather than hang the run.
        timeout: 30_000,
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, err);
      assert.deepEqual(JSON.parse(out), { 1000: 200 });
    },
  );
});
