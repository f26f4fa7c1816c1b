import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The admin port's bearer check: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time
 * (both sides hashed first, so neither the length nor a prefix of the token leaks through timing).
 */
export function adminTokenMatches(authorization: string | undefined | null, adminToken: string): boolean {
  if (!authorization || adminToken.length === 0) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m) return false;
  const given = createHash('sha256').update(m[1]!).digest();
  const want = createHash('sha256').update(adminToken).digest();
  return timingSafeEqual(given, want);
}
