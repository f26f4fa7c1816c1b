#!/usr/bin/env node
// File transfer through the broker: a --mb MB random file uploaded to and downloaded from a kube-sim
// container through /v1/files (broker CLI in its own process), checksummed both ways, while the
// broker's RSS is sampled every 50 ms from /proc. The direct path, measured in the same run, is the
// same bytes streamed by one exec straight to kube-sim (`cat > file` / `cat file`, no broker).
// Usage (after `npm run build`): node packages/broker/bench/file-transfer-rss.mjs [--mb 100] [--runs 1]
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { mintToken } from '../dist/auth/token-mint.js';
import { ExecStream } from '../dist/files/exec-stream.js';
import { parseTenants } from '../dist/tenants/tenants-file.js';
import { spawnBroker } from '../dist/test/broker-process.js';
import { tenantDoc, TEST_ORIGIN } from '../dist/test/harness.js';
import { machineInfo, numberArg, startSimChild } from './bench-support.mjs';

const MB = numberArg('--mb', 100);
const runs = numberArg('--runs', 1);
const bytes = MB * 1024 * 1024;
const sim = await startSimChild();
const doc = tenantDoc({ fileTransfer: { maxUploadBytes: 4 * bytes, maxDownloadBytes: 4 * bytes } });
const tenant = parseTenants(stringify({ tenants: [doc] }), { file: 'bench.yaml', baseDir: '/' })[0];
const broker = await spawnBroker(sim, {}, [doc]);
const base = `http://127.0.0.1:${broker.port}`;
const token = () =>
  mintToken({ tenant, sub: 'bench', target: { namespace: 'default', pod: 'demo' }, ttlSeconds: 3600 });
const work = mkdtempSync(join(tmpdir(), 'pod-shell-files-bench-'));

const rssOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
/** Samples the broker's RSS every 50 ms while `work` runs; returns its result with the peak. */
async function sampled(work) {
  let peak = rssOf(broker.child.pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(broker.child.pid))), 50);
  const t0 = performance.now();
  try {
    const result = await work();
    return { ...result, seconds: (performance.now() - t0) / 1000, peak };
  } finally {
    clearInterval(timer);
  }
}

function http(method, path, headers, body, onData) {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method, headers: { authorization: `Bearer ${token()}`, origin: TEST_ORIGIN, ...headers }, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => (res.statusCode === 200 && onData ? onData(c) : chunks.push(c)));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

// The direct path: one exec to kube-sim as its admin, no broker.
const dial = { server: sim.url, options: { ca: sim.caCert, headers: { Authorization: `Bearer ${sim.adminToken}` } } };
const target = { namespace: 'default', pod: 'demo' };
async function directUpload(file, dest) {
  const exec = ExecStream.open(dial, { ...target, command: ['sh', '-c', 'exec cat > "$1"', 'sh', dest] }, {}, 10000, {
    drained: () => stream.resume(),
  });
  await exec.opened;
  const stream = createReadStream(file);
  stream.on('data', (c) => {
    if (!exec.write(c)) stream.pause();
  });
  await new Promise((r) => stream.once('end', r));
  exec.closeStdin();
  const end = await exec.ended;
  exec.terminate();
  if (end.kind !== 'success') throw new Error(`direct upload: ${JSON.stringify(end)}`);
}
async function directDownload(path) {
  const hash = createHash('sha256');
  const exec = ExecStream.open(dial, { ...target, command: ['cat', path] }, {}, 10000, {
    stdout: (d) => hash.update(d),
  });
  await exec.opened;
  exec.closeStdin();
  const end = await exec.ended;
  exec.terminate();
  if (end.kind !== 'success') throw new Error(`direct download: ${JSON.stringify(end)}`);
  return hash.digest('hex');
}

const src = join(work, 'src.bin');
writeFileSync(src, '');
for (let done = 0; done < bytes; done += 1 << 20)
  writeFileSync(src, randomBytes(Math.min(1 << 20, bytes - done)), { flag: 'a' });
const want = createHash('sha256').update(readFileSync(src)).digest('hex');
const mbps = (s) => (bytes / 1e6 / s).toFixed(1);
console.log(JSON.stringify(machineInfo({}), null, 0));
console.log(`file: ${MB} MiB (${bytes} bytes), sha256 ${want.slice(0, 16)}…`);
try {
  for (let run = 1; run <= runs; run++) {
    const idle = rssOf(broker.child.pid);
    const name = `bench-${run}.bin`;
    const up = await sampled(() =>
      http(
        'POST',
        `/v1/files/upload?dir=&name=${name}`,
        { 'content-type': 'application/octet-stream', 'content-length': String(statSync(src).size) },
        createReadStream(src),
      ),
    );
    if (up.status !== 200) throw new Error(`upload: ${up.status} ${up.text}`);
    const home = JSON.parse(up.text).dir;
    const upHash = createHash('sha256')
      .update(readFileSync(join(home, name)))
      .digest('hex');
    const hash = createHash('sha256');
    const down = await sampled(() => http('POST', `/v1/files/download?path=${name}`, {}, null, (c) => hash.update(c)));
    const downHash = hash.digest('hex');
    const dUp = await sampled(() => directUpload(src, join(home, `direct-${name}`)).then(() => ({})));
    const dDown = await sampled(() => directDownload(join(home, `direct-${name}`)).then((h) => ({ h })));
    const ok = upHash === want && downHash === want && dDown.h === want;
    console.log(
      `run ${run}: byte-exact ${ok} | broker RSS idle ${(idle / 2 ** 20).toFixed(1)} MiB, peak during upload ${(up.peak / 2 ** 20).toFixed(1)} MiB (+${((up.peak - idle) / 2 ** 20).toFixed(1)}), during download ${(down.peak / 2 ** 20).toFixed(1)} MiB (+${((down.peak - idle) / 2 ** 20).toFixed(1)})`,
    );
    console.log(
      `  upload   ${up.seconds.toFixed(2)} s = ${mbps(up.seconds)} MB/s through the broker vs ${dUp.seconds.toFixed(2)} s = ${mbps(dUp.seconds)} MB/s direct (ratio ${(dUp.seconds / up.seconds).toFixed(2)})`,
    );
    console.log(
      `  download ${down.seconds.toFixed(2)} s = ${mbps(down.seconds)} MB/s through the broker vs ${dDown.seconds.toFixed(2)} s = ${mbps(dDown.seconds)} MB/s direct (ratio ${(dDown.seconds / down.seconds).toFixed(2)})`,
    );
    rmSync(join(home, name), { force: true });
    rmSync(join(home, `direct-${name}`), { force: true });
    if (!ok) process.exitCode = 1;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  await broker.stop();
  await sim.close();
}
