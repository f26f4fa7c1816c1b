#!/usr/bin/env node
// The committed launcher npm links as the `kube-sim` bin: it exists before the first build (npm links no
// bin whose file is missing), and says what to do when the compiled CLI is not there yet.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('kube-sim is not built yet: run `npm run build` at the repository root\n');
  process.exit(1);
}
await import(cli.href);
