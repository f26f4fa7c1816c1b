// Builds dist/pod-shell.js: ONE self-contained ES module (Lit, xterm.js, its addons and its CSS,
// the protocol constants) that a page loads with a single <script type="module">.
import { build } from 'esbuild';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'pod-shell.js');

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/pod-shell.ts'],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome100', 'firefox100', 'safari15.4'],
  // Decorators as configured for tsc (experimentalDecorators, useDefineForClassFields: false).
  tsconfig: 'tsconfig.json',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external));
if (imports.length > 0) {
  throw new Error(`dist/pod-shell.js must be self-contained, but imports ${imports.map((i) => i.path).join(', ')}`);
}
const { size } = await stat(outfile);
console.log(`bundle: dist/pod-shell.js ${(size / 1024).toFixed(0)} KiB`);
