/**
 * A `NODE_OPTIONS` import that puts V8 in its conservative heap-growing mode, the one its memory
 * reducer switches an idle process to (old generation allowed to grow at most 1.3x between full
 * collections), so relay-gc.test.ts and `relay-floor.mjs --cautious-v8` meet that case every run
 * instead of whenever V8's own timing leads there. A data: URL, so it also works in a broker started
 * by PODSHELL_TEST_BROKER_LAUNCHER (the image), where no file of this checkout exists.
 */
export const CAUTIOUS_V8_IMPORT =
  'data:text/javascript,' +
  encodeURIComponent("import{setFlagsFromString}from'node:v8';setFlagsFromString('--optimize-for-size');");
