/**
 * Namespace globs: `*` matches any run of characters (including none), `?` exactly one; everything
 * else matches itself. Patterns are anchored at both ends, so `team-*` never matches `x-team-a`.
 * Namespaces are RFC 1123 labels, so a pattern may only contain `[a-z0-9-*?]`.
 */
export const NAMESPACE_GLOB_PATTERN = /^[a-z0-9*?-]{1,63}$/;

const cache = new Map<string, RegExp>();

function compile(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const body = glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    if (cache.size > 1000) cache.clear();
    cache.set(glob, re);
  }
  return re;
}

export function globMatches(glob: string, value: string): boolean {
  return compile(glob).test(value);
}

/** True when `value` matches at least one of the globs. */
export function matchesAny(globs: readonly string[], value: string): boolean {
  return globs.some((g) => globMatches(g, value));
}
