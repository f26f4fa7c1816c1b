/**
 * Loaded into a broker under test with `NODE_OPTIONS=--import=<this file>` (relay-gc.test.ts): puts
 * V8 in its conservative heap-growing mode, the one its memory reducer switches an idle process to
 * (old generation allowed to grow at most 1.3x between full collections), so the test meets that
 * case every run instead of whenever V8's own timing leads there.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--optimize-for-size');
