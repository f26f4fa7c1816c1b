#!/usr/bin/env node
// Launcher: the runner needs Node's vm modules (k6 scripts are ES modules run in their own context).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/runner/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('pod-shell-k6: not built yet (npm run build)\n');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', cli, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
