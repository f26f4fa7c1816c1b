// Does this uWS build still have the corked-upgrade heap bug (src/server/corked-upgrade.ts)?
// Runs N async upgrades inside res.cork() in two ways and counts how the clients' sockets close:
//   in-open:     `open` sends hello while the cork is still open (the pattern the bug breaks)
//   after-cork:  `open` only records the socket; hello is sent after cork returned (the workaround)
// Each mode runs in a child process with MALLOC_PERTURB_ (default 16), which fills freed heap chunks
// so the bug's read of freed memory sees "close the connection" and the client gets 1006.
//   node bench/corked-upgrade-repro.mjs [--upgrades 400] [--perturb 16] [--uws <module name or path>]
// Prints one JSON line per mode: {uws, node, mode, perturb, closes: {code: count}}.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const require = createRequire(new URL('../package.json', import.meta.url));

if (process.env.REPRO_MODE === undefined) {
  const { loadUwsBuild } = await import('../dist/server/uws.js');
  const build = loadUwsBuild([arg('uws', loadUwsBuild().build.module)]).build;
  for (const mode of ['in-open', 'after-cork']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env: {
        ...process.env,
        REPRO_MODE: mode,
        REPRO_UWS: require.resolve(build.module),
        REPRO_UWS_VERSION: build.version,
        REPRO_UPGRADES: arg('upgrades', '400'),
        MALLOC_PERTURB_: arg('perturb', '16'),
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`${mode}: exit ${r.status} ${r.stderr}`);
    process.stdout.write(r.stdout);
  }
} else {
  const uWS = require(process.env.REPRO_UWS);
  const WebSocket = require('ws');
  const mode = process.env.REPRO_MODE;
  const total = Number(process.env.REPRO_UPGRADES);
  const hello = (ws) =>
    ws.cork(() => ws.send(JSON.stringify({ type: 'hello', at: new Date().toISOString(), pad: 'x'.repeat(64) }), false));
  const app = uWS.App();
  app.ws('/*', {
    upgrade: (res, req, context) => {
      const key = req.getHeader('sec-websocket-key');
      let aborted = false;
      res.onAborted(() => (aborted = true));
      setTimeout(() => {
        if (aborted) return;
        // uWS copies the user data onto the WebSocket: the holder object is shared by reference.
        const data = { holder: { ws: null, closed: false } };
        res.cork(() => res.upgrade(data, key, 'pod-shell.v1', '', context));
        if (mode === 'after-cork' && data.holder.ws && !data.holder.closed) hello(data.holder.ws);
      }, Math.random() * 3);
    },
    open: (ws) => {
      if (mode === 'in-open') hello(ws);
      else ws.getUserData().holder.ws = ws;
    },
    message: (ws) => ws.end(1000, 'bye'),
    close: (ws) => {
      ws.getUserData().holder.closed = true;
    },
  });
  app.listen('127.0.0.1', 0, (ls) => {
    const port = uWS.us_socket_local_port(ls);
    const closes = {};
    let next = 0;
    const one = () =>
      new Promise((resolve) => {
        const c = new WebSocket(`ws://127.0.0.1:${port}/`, 'pod-shell.v1');
        let gotHello = false;
        c.on('message', () => {
          gotHello = true;
          c.send('x');
        });
        c.on('error', () => {});
        c.on('close', (code) => {
          const k = gotHello ? String(code) : `${code}-before-hello`;
          closes[k] = (closes[k] ?? 0) + 1;
          resolve();
        });
      });
    const worker = async () => {
      while (next < total) {
        next++;
        await one();
      }
    };
    Promise.all(Array.from({ length: 25 }, worker)).then(() => {
      uWS.us_listen_socket_close(ls);
      console.log(
        JSON.stringify({
          uws: process.env.REPRO_UWS_VERSION,
          node: process.versions.node,
          mode,
          perturb: process.env.MALLOC_PERTURB_,
          closes,
        }),
      );
      process.exit(0);
    });
  });
}
