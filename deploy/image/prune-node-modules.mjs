// Runs in the image's deps stage, after `npm ci --omit=dev --omit=optional`: npm ci installs the
// production dependencies of every workspace (kube-sim's node-pty too), so this keeps only the
// packages in the broker's production tree (`npm ls` of the broker workspace), and of uWS only the
// one binary this platform and Node ABI load (the package ships one per platform × ABI, 114 MB).
import { execFileSync } from 'node:child_process';
import { readdirSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const root = realpathSync(process.cwd());
const listed = execFileSync(
  'npm',
  ['ls', '--all', '--parseable', '--omit=dev', '--omit=optional', '--workspace', '@pod-shell/broker'],
  { encoding: 'utf8' },
);
const keep = new Set(
  listed
    .split('\n')
    .filter(Boolean)
    .map((p) => relative(root, realpathSync(p))),
);

let removed = 0;
const prune = (dir) => {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const rel = relative(root, realpathSync(path));
    // Workspace links (node_modules/@pod-shell/*) stay: the broker's own packages.
    if (name.startsWith('@')) {
      prune(path);
      continue;
    }
    if (!keep.has(rel)) {
      rmSync(path, { recursive: true, force: true });
      removed++;
      continue;
    }
    try {
      prune(join(path, 'node_modules'));
    } catch {
      // no nested node_modules
    }
  }
};
prune(join(root, 'node_modules'));
prune(join(root, 'packages/broker/node_modules'));

const require = createRequire(join(root, 'packages/broker/package.json'));
const uwsDir = dirname(require.resolve('uWebSockets.js'));
const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
const binaries = readdirSync(uwsDir).filter((f) => /^uws_.*\.node$/.test(f));
if (!binaries.includes(binary)) throw new Error(`uWebSockets.js has no ${binary} (has ${binaries.join(', ')})`);
for (const f of binaries) if (f !== binary) rmSync(join(uwsDir, f));
console.log(`kept ${keep.size} packages, removed ${removed}; uWS binary ${binary}`);
