import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors.js';
import { debugFallbackAllowed } from '../tenants/debug-policy.js';
import { parse, tenantYaml } from './auth-fixtures.js';

/** The tenants file's `debugContainers` policy (docs/tenants.md): off by default, strict when on. */
describe('tenants file: debugContainers', () => {
  test('off by default: no fallback anywhere', () => {
    const t = parse([tenantYaml({})])[0]!;
    assert.equal(t.debugContainers?.enabled, false);
    assert.equal(debugFallbackAllowed(t.debugContainers, 'acme-1'), false);
  });

  test('enabled: exact images, namespace globs, defaults for the rest', () => {
    const image = `registry.example/tools/debug@sha256:${'0f'.repeat(32)}`;
    const t = parse([tenantYaml({ debugContainers: { enabled: true, images: [image], namespaces: ['acme-*'] } })])[0]!;
    assert.deepEqual(t.debugContainers, {
      enabled: true,
      images: [image],
      namespaces: ['acme-*'],
      shareProcessNamespace: true,
      reuseRunning: true,
      startTimeoutSeconds: 30,
    });
    assert.equal(debugFallbackAllowed(t.debugContainers, 'acme-web'), true);
    assert.equal(debugFallbackAllowed(t.debugContainers, 'other'), false);
  });

  for (const [what, policy, pattern] of [
    [
      'enabled without images',
      { enabled: true, namespaces: ['acme-*'] },
      /debugContainers\.images must list at least one image when enabled is true/,
    ],
    [
      'enabled without namespaces',
      { enabled: true, images: ['busybox:1.36'] },
      /debugContainers\.namespaces must list at least one namespace glob/,
    ],
    [
      'a wildcard image',
      { enabled: true, images: ['busybox:*'], namespaces: ['a'] },
      /debugContainers\.images\[0\] must be an exact image reference/,
    ],
    [
      'an unknown field',
      { enabled: true, images: ['busybox'], namespaces: ['a'], privileged: true },
      /debugContainers\.privileged is not a known field/,
    ],
    [
      'a timeout out of range',
      { startTimeoutSeconds: 0 },
      /debugContainers\.startTimeoutSeconds must be an integer from 1 to 600/,
    ],
  ] as const) {
    test(`refuses ${what}`, () => {
      assert.throws(
        () => parse([tenantYaml({ debugContainers: policy })]),
        (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
      );
    });
  }
});
