import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import vm from 'node:vm';
import { Channel, DEFAULT_SESSION_PATH, POD_SHELL_SUBPROTOCOL, CloseCode } from '@pod-shell/protocol';
import { k6Modules } from '../runner/k6-modules.js';
import { checkImports } from '../runner/loader.js';
import { SCRIPTS } from '../harness/stack.js';
import { IDLE_ZERO_GAUGES } from '../../../packages/broker/dist/metrics/metrics.js';

/**
 * The scripts must stay valid k6 scripts (operators run them with the real k6): no Node-only API,
 * only k6 modules and relative imports, all inside the runner's subset; and the protocol constants
 * the script library repeats (k6 cannot import npm packages) must equal packages/protocol's.
 */
const FILES = [
  ...readdirSync(SCRIPTS).filter((f) => f.endsWith('.js')),
  ...readdirSync(join(SCRIPTS, 'lib')).map((f) => `lib/${f}`),
];

/** Node (or browser) APIs k6 does not have; any of these in a script breaks it under k6. */
const NODE_ONLY = [
  /\brequire\s*\(/,
  /\bprocess\./,
  /\bBuffer\b/,
  /__dirname|__filename/,
  /\bimport\.meta\b/,
  /['"]node:/,
  /\bfetch\s*\(/,
  /\bTextEncoder\b|\bTextDecoder\b/,
  /\bsetImmediate\b/,
  /\bglobalThis\b/,
  /\bqueueMicrotask\b/,
  /\bstructuredClone\b/,
];

/**
 * The value of an object literal copied out of a script (k6 code cannot be imported here), evaluated in
 * an empty context; spread into this realm so deepEqual does not trip over the other realm's prototype.
 */
function objectLiteral(source: string): Record<string, number> {
  return { ...(vm.runInNewContext(`(${source})`) as Record<string, number>) };
}

function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe('k6 scripts', () => {
  test('the four scripts and their library exist', () => {
    for (const f of ['capacity.js', 'churn-leak.js', 'flood.js', 'expiry-refresh.js', 'lib/pod-shell.js'])
      assert.ok(FILES.includes(f), f);
  });

  test('no Node-only API in any script (they must run under the real k6)', () => {
    for (const f of FILES) {
      const src = code(readFileSync(join(SCRIPTS, f), 'utf8'));
      for (const re of NODE_ONLY) assert.doesNotMatch(src, re, `${f} uses ${re} (not available in k6)`);
    }
  });

  test('every import is a k6 module inside the runner subset, or a relative file', () => {
    const modules = k6Modules();
    for (const f of FILES) {
      const src = readFileSync(join(SCRIPTS, f), 'utf8');
      for (const m of src.matchAll(/from\s+['"]([^'"]+)['"]/g))
        assert.ok(m[1]!.startsWith('k6') || m[1]!.startsWith('./'), `${f} imports ${m[1]}`);
      assert.doesNotThrow(() => checkImports(src, join(SCRIPTS, f), modules), f);
    }
  });

  test('the check itself: a Node API or an import outside the subset is caught', () => {
    assert.ok(NODE_ONLY.some((re) => re.test(code(`const b = Buffer.from('x');`))));
    assert.throws(
      () => checkImports(`import { randomBytes } from 'k6/crypto';`, 'x.js', k6Modules()),
      /module "k6\/crypto"/,
    );
  });

  test('lib/pod-shell.js repeats packages/protocol exactly', () => {
    const lib = readFileSync(join(SCRIPTS, 'lib', 'pod-shell.js'), 'utf8');
    assert.match(lib, new RegExp(`POD_SHELL_SUBPROTOCOL = '${POD_SHELL_SUBPROTOCOL.replace('.', '\\.')}'`));
    assert.match(lib, new RegExp(`DEFAULT_SESSION_PATH = '${DEFAULT_SESSION_PATH}'`));
    const channels = /export const Channel = (\{[^}]*\})/.exec(lib)![1]!;
    const parsed = objectLiteral(channels);
    assert.deepEqual(parsed, { ...Channel });
    const close = objectLiteral(/export const CloseCode = (\{[^}]*\})/.exec(lib)![1]!);
    assert.equal(close['Expired'], CloseCode.Expired);
    assert.equal(close['Exited'], CloseCode.Exited);
  });

  test("churn-leak.js's SESSION_GAUGES are the broker's IDLE_ZERO_GAUGES (a gauge added to the broker is asserted by the load test too)", () => {
    const src = readFileSync(join(SCRIPTS, 'churn-leak.js'), 'utf8');
    const list = /export const SESSION_GAUGES = (\[[^\]]*\])/.exec(src)![1]!;
    assert.deepEqual([...(vm.runInNewContext(list) as string[])], [...IDLE_ZERO_GAUGES]);
  });
});
