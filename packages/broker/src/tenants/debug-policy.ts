import type { Fields } from './field-checks.js';
import { NAMESPACE_GLOB_PATTERN, matchesAny } from './glob.js';

/**
 * A tenant's debug-container fallback (docs/tenants.md "debugContainers"): when the target container
 * has no shell, the broker may add an ephemeral debug container to the pod and attach to its shell.
 * Off unless `enabled: true`; ephemeral containers can never be removed from a pod, so a tenant opts in.
 */
export interface DebugContainerPolicy {
  enabled: boolean;
  /** Exact image references (digests recommended); the first one is used. */
  images: string[];
  /** Namespace globs where the fallback applies (a subset of the tenant's namespaces). */
  namespaces: string[];
  /** Whether the debug container targets the pod's container (sees its processes). */
  shareProcessNamespace: boolean;
  /** Whether a running debug container of the same owner is attached to instead of adding another. */
  reuseRunning: boolean;
  /** How long the broker waits for the debug container to run. */
  startTimeoutSeconds: number;
}

export const DEBUG_POLICY_FIELDS = [
  'enabled',
  'images',
  'namespaces',
  'shareProcessNamespace',
  'reuseRunning',
  'startTimeoutSeconds',
];

/** An image reference: `[registry/]path[:tag][@sha256:<64 hex>]`, no spaces, no wildcards. */
const IMAGE_REF =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export const DEBUG_POLICY_OFF: DebugContainerPolicy = Object.freeze({
  enabled: false,
  images: [],
  namespaces: [],
  shareProcessNamespace: true,
  reuseRunning: true,
  startTimeoutSeconds: 30,
});

export function loadDebugPolicy(f: Fields): DebugContainerPolicy {
  f.onlyKnown(DEBUG_POLICY_FIELDS);
  const enabled = f.bool('enabled', false);
  const images = f.stringList('images', {
    pattern: IMAGE_REF,
    rule: 'an exact image reference such as busybox@sha256:<64 hex> or registry.example/tools:1.2',
  });
  if (enabled && images.length === 0)
    f.fail('images', 'must list at least one image when enabled is true (the debug container needs an image)');
  const namespaces = f.stringList('namespaces', {
    pattern: NAMESPACE_GLOB_PATTERN,
    rule: 'a namespace glob of 1..63 characters from a-z, 0-9, "-", "*", "?"',
  });
  if (enabled && namespaces.length === 0)
    f.fail('namespaces', 'must list at least one namespace glob when enabled is true');
  return {
    enabled,
    images,
    namespaces,
    shareProcessNamespace: f.bool('shareProcessNamespace', true),
    reuseRunning: f.bool('reuseRunning', true),
    startTimeoutSeconds: f.int('startTimeoutSeconds', 30, 1, 600),
  };
}

/** Whether the fallback applies to a session in `namespace`. */
export function debugFallbackAllowed(policy: DebugContainerPolicy | undefined, namespace: string): boolean {
  return policy !== undefined && policy.enabled && policy.images.length > 0 && matchesAny(policy.namespaces, namespace);
}
