// Rewrites the README's first snippet with the element bundle's versioned path and Subresource
// Integrity hash (packages/broker/src/test/element-routes.test.ts fails when they drift).
//   npm run build && node scripts/update-readme-sri.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { elementBundle } from '../packages/broker/dist/server/element-bundle.js';

const readme = new URL('../README.md', import.meta.url);
const bundle = elementBundle(readFileSync(new URL('../packages/element/dist/pod-shell.js', import.meta.url)));
const tag = `<script type="module" src="https://broker.example.com${bundle.path}"\n        integrity="${bundle.integrity}" crossorigin="anonymous"></script>`;
const text = readFileSync(readme, 'utf8');
const next = text.replace(
  /<script type="module" src="https:\/\/broker\.example\.com\/[^"]*"(\s+integrity="[^"]*" crossorigin="anonymous")?><\/script>/,
  tag,
);
if (!next.includes(tag))
  throw new Error('README.md: no <script type="module" src="https://broker.example.com/…"> snippet to update');
writeFileSync(readme, next);
console.log(`README.md: ${bundle.path} ${bundle.integrity}`);
