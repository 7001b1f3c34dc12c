import { describe, expect, it } from 'vitest';
import { parseIfMatch } from '../../shared/contacts/contacts';
import { isContactId, ulid } from '../../shared/contacts/ids';
import { createContactSchema, listContactsQuerySchema, normalisePhone, updateContactSchema } from '../../shared/contacts/schemas';
import { ValidationError } from '../../shared/errors';
import { fieldErrorsOf } from '../../shared/http/problem';

function fieldsOf(result: ReturnType<typeof createContactSchema.safeParse> | ReturnType<typeof updateContactSchema.safeParse>) {
  return result.success ? [] : fieldErrorsOf(result.error).map((e) => e.field);
}

describe('contact input', () => {
  it('trims and lower-cases e-mails', () => {
    expect(createContactSchema.parse({ email: '  Wang.XiaoMing@Example.COM.tw ' }).email).toBe('wang.xiaoming@example.com.tw');
  });

  it('names the e-mail field when it is not an address', () => {
    expect(fieldsOf(createContactSchema.safeParse({ email: 'wang@' }))).toEqual(['email']);
  });

  it.each([
    ['0912-345-678', '+886912345678'],
    ['0912 345 678', '+886912345678'],
    ['+886 912 345 678', '+886912345678'],
    ['(02) 2345-6789', '+886223456789'],
    ['+1 650-253-0000', '+16502530000'],
    ['+81 3-1234-5678', '+81312345678'],
  ])('normalises the number %s to %s (default region TW)', (input, e164) => {
    expect(createContactSchema.parse({ mobile: input }).mobile).toBe(e164);
    expect(createContactSchema.parse({ fax: input }).fax).toBe(e164);
  });

  it('keeps a plausible number it cannot recognise as typed instead of losing it', () => {
    expect(normalisePhone('123456')).toBe('123456');
  });

  it.each(['call me', '12', '0912-abc-678', '+886 912 345 678 999 999 999 999'])('refuses %s as a mobile number', (mobile) => {
    expect(fieldsOf(createContactSchema.safeParse({ mobile }))).toEqual(['mobile']);
  });

  it('needs at least one of e-mail, mobile or fax, and says so on the email field', () => {
    const result = createContactSchema.safeParse({ name: '王小明' });
    expect(result.success).toBe(false);
    if (!result.success) expect(fieldErrorsOf(result.error)).toEqual([{ field: 'email', message: 'Give at least one of email, mobile or fax' }]);
    expect(createContactSchema.safeParse({ fax: '02-2345-6789' }).success).toBe(true);
  });

  it('fills status and tags, and de-duplicates tags', () => {
    const contact = createContactSchema.parse({ email: 'a@b.co', tags: [' vip ', 'vip', 'news'] });
    expect(contact.status).toBe('active');
    expect(contact.tags).toEqual(['vip', 'news']);
    expect(createContactSchema.parse({ email: 'a@b.co' }).tags).toEqual([]);
  });

  it('names every unknown field, so typos are not silently dropped', () => {
    expect(fieldsOf(createContactSchema.safeParse({ email: 'a@b.co', emial: 'x', id: '1' })).sort()).toEqual(['emial', 'id']);
  });

  it.each([
    [{ birthday: '1990-02-30' }, 'birthday'],
    [{ birthday: '1990/01/01' }, 'birthday'],
    [{ gender: 'unknown' }, 'gender'],
    [{ status: 'deleted' }, 'status'],
    [{ language: 'chinese traditional' }, 'language'],
    [{ name: '   ' }, 'name'],
    [{ tags: ['ok', ''] }, 'tags.1'],
    [{ tags: 'vip' }, 'tags'],
  ])('names the invalid field in %j', (patch, field) => {
    expect(fieldsOf(createContactSchema.safeParse({ email: 'a@b.co', ...patch }))).toEqual([field]);
  });

  it('accepts every standard field', () => {
    const input = {
      email: 'chen@example.tw',
      mobile: '0912345678',
      fax: '02-2345-6789',
      name: '陳美玲',
      company: '信鴿科技',
      title: '經理',
      gender: 'female',
      birthday: '1985-12-31',
      city: '台北市',
      address: '信義路五段7號',
      language: 'zh-TW',
      tags: ['vip'],
      status: 'unsubscribed',
    };
    expect(createContactSchema.parse(input)).toMatchObject({ ...input, mobile: '+886912345678', fax: '+886223456789' });
  });
});

describe('contact update input', () => {
  it('takes only the fields to change, null to clear', () => {
    expect(updateContactSchema.parse({ fax: null, name: ' 王大明 ' })).toEqual({ fax: null, name: '王大明' });
  });
  it('validates what it takes like create does', () => {
    expect(fieldsOf(updateContactSchema.safeParse({ email: 'bad', mobile: 'x' })).sort()).toEqual(['email', 'mobile']);
    expect(fieldsOf(updateContactSchema.safeParse({ status: null }))).toEqual(['status']);
  });
});

describe('list query', () => {
  it('defaults limit to 25 and reads it from the query string', () => {
    expect(listContactsQuerySchema.parse({})).toEqual({ limit: 25 });
    expect(listContactsQuerySchema.parse({ limit: '100', q: ' 王 ' })).toEqual({ limit: 100, q: '王' });
    expect(listContactsQuerySchema.parse({ q: '  ' }).q).toBeUndefined();
  });
  it.each(['0', '101', '2.5', 'ten'])('refuses limit=%s', (limit) => {
    const result = listContactsQuerySchema.safeParse({ limit });
    expect(result.success).toBe(false);
    if (!result.success) expect(fieldErrorsOf(result.error).map((e) => e.field)).toEqual(['limit']);
  });
});

describe('If-Match and ids', () => {
  it('reads a version from If-Match in its usual spellings', () => {
    expect(parseIfMatch('3')).toBe(3);
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"12"')).toBe(12);
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('*')).toBeUndefined();
    expect(() => parseIfMatch('abc')).toThrow(ValidationError);
  });
  it('makes ULIDs that sort by creation time', () => {
    const early = ulid(Date.UTC(2026, 0, 1));
    const late = ulid(Date.UTC(2026, 0, 2));
    expect(isContactId(early)).toBe(true);
    expect(early < late).toBe(true);
    expect(ulid()).not.toBe(ulid());
  });
});
