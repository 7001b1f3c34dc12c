/**
 * Contact ids: ULIDs (48-bit millisecond time + 80 random bits, Crockford base32), so a
 * workspace's contacts sort by creation time in the table and lists can show newest first.
 */
import { createHash, randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function ulid(now: number = Date.now(), seed?: string): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  // A seed makes the id repeatable: the same SES event delivered twice yields one event id.
  const random = seed === undefined ? randomBytes(16) : createHash('sha256').update(seed).digest();
  let rest = '';
  for (let i = 0; i < 16; i++) rest += alphabet[(random[i] ?? 0) % 32];
  return time + rest;
}

export const isContactId = (value: string): boolean => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value);
