/**
 * Deterministic contact ids for imported rows: the same (import, row) always gives the same id,
 * so a retried or continued import finds the contact its earlier attempt wrote instead of
 * writing a second one. ULID-shaped (time of the import + 80 bits of a hash), so they sort and
 * validate like every other contact id.
 */
import { createHash } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function importedContactId(importId: string, createdAtMs: number, rowNumber: number): string {
  let time = '';
  let t = createdAtMs;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const digest = createHash('sha256').update(`pigeon-import:${importId}:${rowNumber}`).digest();
  let rest = '';
  for (let i = 0; i < 16; i++) rest += alphabet[(digest[i] ?? 0) % 32];
  return time + rest;
}
