/** Comparisons of secrets and signatures that take the same time whatever the first difference. */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Equal strings → true, in time independent of where they differ. Both sides are hashed first so
 * that unequal lengths neither throw nor leak the expected length.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}
