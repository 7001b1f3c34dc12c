/**
 * Duplicates within one imported file, by the key fields the user picked (e-mail by default).
 * The first occurrence wins; a later row with the same key is reported with that first row's number.
 *
 * Memory is bounded and independent of how long the values are: each key is hashed to 64 bits and
 * kept, with its row number, in an open-addressing table of typed arrays (12 bytes a slot, at most
 * 3/4 full, doubling). 1M distinct keys → 2^21 slots → 24 MiB (36 MiB for a moment while growing
 * from 2^20); a Map of the key strings would take well over 100 MiB. Two different keys share a
 * 64-bit hash with probability about n²/2^65 (≈ 3·10^-8 for a million keys) — then a row would be
 * wrongly reported as a duplicate, a risk we accept.
 */
import { type CountryCode } from 'libphonenumber-js';
import { defaultPhoneRegion } from '../../contacts/schemas';
import { foldForMatch } from './fields';
import { toE164 } from './phone';

export interface Deduper {
  /** Records the row's key; tells the first row that had it when this is a repeat. Rows without a key are never duplicates. */
  check(fields: Readonly<Record<string, string | undefined>>, rowNumber: number): { duplicateOf?: number };
  /** Distinct keys seen. */
  readonly size: number;
  /** Bytes the key table occupies now. */
  readonly bytes: number;
}

export interface DeduperOptions {
  readonly region?: CountryCode;
  /** Rows expected, to size the table once (it grows anyway). */
  readonly expectedKeys?: number;
}

/** The comparable form of one key value: e-mail lower-cased, phones E.164, other text folded. */
export function keyValue(field: string, value: string, region: CountryCode = defaultPhoneRegion): string {
  const folded = foldForMatch(value);
  if (field === 'mobile' || field === 'fax') {
    if (/^\+\d+$/.test(folded)) return folded;
    const phone = toE164(folded, region);
    return phone.ok ? phone.e164 : folded.replace(/\D/g, '');
  }
  if (field === 'email') return folded.replace(/\s+/g, '');
  return folded;
}

export function createDeduper(keyFields: readonly string[] = ['email'], options: DeduperOptions = {}): Deduper {
  if (keyFields.length === 0) throw new Error('Pick at least one key field');
  const region = options.region ?? defaultPhoneRegion;
  let capacity = 1024;
  while (capacity * 0.75 < (options.expectedKeys ?? 0)) capacity *= 2;
  // Per slot: [hash high, hash low, row number + 1]; row 0 in the third word means empty.
  let slots = new Uint32Array(capacity * 3);
  let size = 0;

  function find(table: Uint32Array, cap: number, high: number, low: number): number {
    let index = (low & (cap - 1)) * 3;
    const end = cap * 3;
    while (table[index + 2] !== 0) {
      if (table[index] === high && table[index + 1] === low) return index;
      index += 3;
      if (index === end) index = 0;
    }
    return index;
  }

  function grow(): void {
    const old = slots;
    const oldCapacity = capacity;
    capacity *= 2;
    slots = new Uint32Array(capacity * 3);
    for (let i = 0; i < oldCapacity * 3; i += 3) {
      if (old[i + 2] === 0) continue;
      const at = find(slots, capacity, old[i]!, old[i + 1]!);
      slots[at] = old[i]!;
      slots[at + 1] = old[i + 1]!;
      slots[at + 2] = old[i + 2]!;
    }
  }

  return {
    check(fields, rowNumber) {
      let key = '';
      let any = false;
      for (const field of keyFields) {
        const raw = fields[field];
        const value = raw ? keyValue(field, raw, region) : '';
        if (value) any = true;
        // \u0000 can't occur in a folded cell, so ['ab','c'] and ['a','bc'] stay distinct.
        key += `${value}\u0000`;
      }
      if (!any) return {};
      const [high, low] = hash64(key);
      const at = find(slots, capacity, high, low);
      if (slots[at + 2] !== 0) return { duplicateOf: slots[at + 2]! - 1 };
      slots[at] = high;
      slots[at + 1] = low;
      slots[at + 2] = rowNumber + 1;
      size += 1;
      if (size > capacity * 0.75) grow();
      return {};
    },
    get size() {
      return size;
    },
    get bytes() {
      return slots.byteLength;
    },
  };
}

/**
 * 64-bit hash of a string's UTF-16 code units: two 32-bit lanes with different seeds, each mixed
 * murmur-style and cross-mixed at the end (the "cyrb53" construction, keeping all 64 bits).
 */
export function hash64(text: string): readonly [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}
