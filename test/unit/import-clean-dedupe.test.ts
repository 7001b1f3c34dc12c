import { describe, expect, it } from 'vitest';
import { createDeduper, keyValue } from '../../shared/imports/clean';

describe('within-file duplicates', () => {
  it('reports a later row with the first row that had the key; the first occurrence wins', () => {
    const dedupe = createDeduper(['email']);
    expect(dedupe.check({ email: 'wang@example.com' }, 2)).toEqual({});
    expect(dedupe.check({ email: 'li@example.com' }, 3)).toEqual({});
    expect(dedupe.check({ email: 'wang@example.com' }, 4)).toEqual({ duplicateOf: 2 });
    expect(dedupe.check({ email: 'wang@example.com' }, 5)).toEqual({ duplicateOf: 2 });
    expect(dedupe.size).toBe(2);
  });

  it('compares e-mails case-, width- and space-insensitively', () => {
    const dedupe = createDeduper(['email']);
    dedupe.check({ email: 'Wang@Example.com' }, 1);
    expect(dedupe.check({ email: ' ＷＡＮＧ＠ｅｘａｍｐｌｅ．ｃｏｍ ' }, 2)).toEqual({ duplicateOf: 1 });
  });

  it('compares phones as E.164', () => {
    const dedupe = createDeduper(['mobile']);
    dedupe.check({ mobile: '0912-345-678' }, 1);
    expect(dedupe.check({ mobile: '+886 912 345 678' }, 2)).toEqual({ duplicateOf: 1 });
    expect(dedupe.check({ mobile: '+886912345678' }, 3)).toEqual({ duplicateOf: 1 });
    expect(dedupe.check({ mobile: '0912-345-679' }, 4)).toEqual({});
  });

  it('compares other fields trimmed, width- and case-folded', () => {
    const dedupe = createDeduper(['name']);
    dedupe.check({ name: 'Wang  Xiaoming' }, 1);
    expect(dedupe.check({ name: ' ＷＡＮＧ xiaoming' }, 2)).toEqual({ duplicateOf: 1 });
    expect(dedupe.check({ name: '王小明' }, 3)).toEqual({});
  });

  it('needs every key field to match when there are several', () => {
    const dedupe = createDeduper(['name', 'mobile']);
    dedupe.check({ name: '王小明', mobile: '0912345678' }, 1);
    expect(dedupe.check({ name: '王小明', mobile: '0987654321' }, 2)).toEqual({});
    expect(dedupe.check({ name: '王大明', mobile: '0912345678' }, 3)).toEqual({});
    expect(dedupe.check({ name: '王小明', mobile: '+886912345678' }, 4)).toEqual({ duplicateOf: 1 });
  });

  it('keeps composite keys apart even when their concatenations are equal', () => {
    const dedupe = createDeduper(['name', 'city']);
    dedupe.check({ name: 'ab', city: 'c' }, 1);
    expect(dedupe.check({ name: 'a', city: 'bc' }, 2)).toEqual({});
  });

  it('never calls a row without a key a duplicate', () => {
    const dedupe = createDeduper(['email']);
    expect(dedupe.check({ mobile: '0912345678' }, 1)).toEqual({});
    expect(dedupe.check({ mobile: '0912345678' }, 2)).toEqual({});
    expect(dedupe.check({ email: '  ' }, 3)).toEqual({});
    expect(dedupe.size).toBe(0);
  });

  it('refuses an empty key field list', () => {
    expect(() => createDeduper([])).toThrow(/at least one key field/);
  });

  it('keeps every key across growth, and a million keys take 24 MiB', () => {
    const dedupe = createDeduper(['email']);
    const n = 1_000_000;
    let reported = 0;
    for (let i = 0; i < n; i += 1) if (dedupe.check({ email: `u${i}@example.com` }, i).duplicateOf !== undefined) reported += 1;
    expect(reported).toBe(0);
    expect(dedupe.size).toBe(n);
    for (let i = 0; i < n; i += 99_991) expect(dedupe.check({ email: `U${i}@Example.com` }, n + i)).toEqual({ duplicateOf: i });
    expect(dedupe.bytes).toBe(2 ** 21 * 12);
  });

  it('normalises key values as documented', () => {
    expect(keyValue('email', ' A @Example.COM')).toBe('a@example.com');
    expect(keyValue('mobile', '０９１２-３４５-６７８')).toBe('+886912345678');
    expect(keyValue('mobile', 'not a number 123')).toBe('123');
    expect(keyValue('company', ' ＡＢＣ  Ltd ')).toBe('abc ltd');
  });
});
