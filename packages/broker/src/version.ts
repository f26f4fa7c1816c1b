import { readFileSync } from 'node:fs';

/** The broker's own version: its package.json, read once (dist/version.js sits one level below it). */
export const BROKER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
