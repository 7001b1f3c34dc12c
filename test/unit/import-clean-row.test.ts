import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { cleanRow, nfkcStable, normaliseText, parseBirthday, parseGender, parseLanguage, parseTags, toE164, type CleanOptions } from '../../shared/imports/clean';

describe('phone numbers', () => {
  it.each([
    ['0912-345-678', '+886912345678'],
    ['0912 345 678', '+886912345678'],
    ['0912345678', '+886912345678'],
    ['０９１２－３４５－６７８', '+886912345678'],
    ['+886 912 345 678', '+886912345678'],
    ['+886-912-345678', '+886912345678'],
    ['＋８８６９１２３４５６７８', '+886912345678'],
    ['+886 (0)912 345 678', '+886912345678'],
    ['886912345678', '+886912345678'],
    ['(02) 2345-6789', '+886223456789'],
    ['02-23456789', '+886223456789'],
    ['+1 650-253-0000', '+16502530000'],
    ['+81 3-1234-5678', '+81312345678'],
  ])('%s → %s (region TW)', (raw, e164) => {
    expect(toE164(raw, 'TW')).toEqual({ ok: true, e164 });
  });

  it('reads national numbers in the region given', () => {
    expect(toE164('(650) 253-0000', 'US')).toEqual({ ok: true, e164: '+16502530000' });
  });

  it('the 09xx fast path agrees with libphonenumber', () => {
    for (let i = 0; i < 2000; i += 1) {
      const national = `09${String((i * 7919) % 100_000_000).padStart(8, '0')}`;
      const fast = toE164(national, 'TW');
      expect(fast).toEqual({ ok: true, e164: parsePhoneNumberFromString(national, 'TW')!.number });
      expect(parsePhoneNumberFromString(national, 'TW')!.isValid()).toBe(true);
    }
  });

  it.each(['call me', '12345', '0912-345-67', '09123456789', '0912-abc-678', '+886 912 345 678 999 999 999 999'])('refuses %s', (raw) => {
    const result = toE164(raw, 'TW');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain(raw);
  });
});

describe('field parsers', () => {
  it('skips NFKC only for characters NFKC leaves alone', () => {
    const ranges: [number, number][] = [[0x20, 0x7e], [0x4e00, 0x9fff], [0x3001, 0x3002], [0x3008, 0x3011]];
    for (const [from, to] of ranges) {
      for (let code = from; code <= to; code += 1) {
        const text = `a${String.fromCharCode(code)}${String.fromCharCode(code)}`;
        expect(nfkcStable.test(text)).toBe(true);
        expect(text.normalize('NFKC')).toBe(text);
      }
    }
    expect(normaliseText('ＡＢＣ\u3000股份有限公司﹐台北')).toBe('ABC 股份有限公司,台北');
    expect(normaliseText('\uf914')).toBe('\u6a02'); // a CJK compatibility ideograph
  });

  it.each([
    ['男', 'male'], ['男性', 'male'], ['M', 'male'], ['male', 'male'], ['Male ', 'male'], ['先生', 'male'], ['Ｍ', 'male'],
    ['女', 'female'], ['F', 'female'], ['female', 'female'], ['小姐', 'female'], ['Mrs.', 'female'],
    ['其他', 'other'], ['other', 'other'],
  ])('gender %s → %s', (raw, gender) => {
    expect(parseGender(raw)).toBe(gender);
  });

  it.each(['?', 'unknown', '男女', 'mm'])('gender %s is not recognised', (raw) => {
    expect(parseGender(raw)).toBeUndefined();
  });

  it.each([
    ['1990/1/2', '1990-01-02', false],
    ['1990-01-02', '1990-01-02', false],
    ['1990.1.2', '1990-01-02', false],
    ['19900102', '1990-01-02', false],
    ['1990年1月2日', '1990-01-02', false],
    ['１９９０／０１／０２', '1990-01-02', false],
    ['民國79/1/2', '1990-01-02', true],
    ['民國 79 年 1 月 2 日', '1990-01-02', true],
    ['民79.01.02', '1990-01-02', true],
    ['101/5/6', '2012-05-06', true],
    ['2000/2/29', '2000-02-29', false],
  ])('birthday %s → %s', (raw, date, roc) => {
    expect(parseBirthday(raw)).toEqual({ date, roc });
  });

  it.each(['79/1/2', '1/2/1990', '02/01/1990', '1990/2/30', '1900/2/29', '1990/13/1', '1990/0/1', 'tomorrow', '1990'])(
    'birthday %s is refused (ambiguous or not a date)',
    (raw) => {
      expect(parseBirthday(raw)).toBeUndefined();
    },
  );

  it.each([
    ['zh-TW', 'zh-TW'], ['zh_tw', 'zh-TW'], ['EN', 'en'], ['中文', 'zh-TW'], ['English', 'en'], ['日文', 'ja'], ['zh-Hant', 'zh-Hant'],
  ])('language %s → %s', (raw, tag) => {
    expect(parseLanguage(raw)).toBe(tag);
  });

  it('language that is no tag is not recognised', () => {
    expect(parseLanguage('Klingon!')).toBeUndefined();
  });

  it.each([
    ['VIP, 台北;新客戶、 展覽', ['VIP', '台北', '新客戶', '展覽']],
    ['VIP，台北；VIP', ['VIP', '台北']],
    [' , ;', []],
  ])('tags %s → %j', (raw, tags) => {
    expect(parseTags(raw)).toEqual(tags);
  });
});

describe('cleanRow', () => {
  const options: CleanOptions = {};

  it('cleans a messy row and records every change', () => {
    const result = cleanRow(
      {
        name: ' 王　小明 ',
        email: 'Wang@Gmial,com',
        mobile: '0912-345-678',
        gender: '男',
        birthday: '民國79/1/2',
        tags: 'VIP、台北',
        company: 'ＡＢＣ 股份有限公司',
        city: '',
      },
      options,
    );
    expect(result).toEqual({
      outcome: 'ok',
      fields: {
        name: '王 小明',
        email: 'wang@gmail.com',
        mobile: '+886912345678',
        gender: 'male',
        birthday: '1990-01-02',
        company: 'ABC 股份有限公司',
      },
      tags: ['VIP', '台北'],
      changes: [
        { field: 'name', from: '王　小明', to: '王 小明', rule: 'text.nfkc' },
        { field: 'email', from: 'Wang@Gmial,com', to: 'Wang@Gmial.com', rule: 'email.comma-for-dot' },
        { field: 'email', from: 'wang@gmial.com', to: 'wang@gmail.com', rule: 'email.domain-typo' },
        { field: 'mobile', from: '0912-345-678', to: '+886912345678', rule: 'mobile.e164' },
        { field: 'gender', from: '男', to: 'male', rule: 'gender.parse' },
        { field: 'birthday', from: '民國79/1/2', to: '1990-01-02', rule: 'birthday.roc' },
        { field: 'company', from: 'ＡＢＣ 股份有限公司', to: 'ABC 股份有限公司', rule: 'text.nfkc' },
      ],
    });
  });

  it('collapses line breaks inside a quoted address and records it', () => {
    const result = cleanRow({ email: 'a@example.com', address: '台北市信義區\n市府路 1 號' }, options);
    expect(result.outcome === 'ok' && result.fields.address).toBe('台北市信義區 市府路 1 號');
    expect(result.changes).toEqual([{ field: 'address', from: '台北市信義區\n市府路 1 號', to: '台北市信義區 市府路 1 號', rule: 'text.whitespace' }]);
  });

  it('changes nothing in a clean row', () => {
    const row = { email: 'wang@example.com', mobile: '+886912345678', name: 'Wang', gender: 'female', birthday: '1990-01-02' };
    expect(cleanRow(row, options)).toEqual({ outcome: 'ok', fields: row, tags: [], changes: [] });
  });

  it('rejects an invalid e-mail with the reason, even when a mobile is there', () => {
    expect(cleanRow({ email: 'wang@localhost', mobile: '0912345678' }, options)).toMatchObject({
      outcome: 'rejected',
      reasons: [{ field: 'email', code: 'email.domain-no-dot' }],
    });
  });

  it('drops an invalid e-mail instead when asked to and another channel remains', () => {
    const result = cleanRow({ email: 'wang@localhost', mobile: '0912345678' }, { dropInvalid: ['email', 'mobile', 'fax'] });
    expect(result).toMatchObject({ outcome: 'ok', fields: { mobile: '+886912345678' } });
    expect(result.changes).toContainEqual({ field: 'email', from: 'wang@localhost', to: '', rule: 'email.invalid-dropped' });
  });

  it('drops an invalid mobile (recorded) when the row has a valid e-mail', () => {
    const result = cleanRow({ email: 'wang@example.com', mobile: '0912-345-67' }, options);
    expect(result).toEqual({
      outcome: 'ok',
      fields: { email: 'wang@example.com' },
      tags: [],
      changes: [{ field: 'mobile', from: '0912-345-67', to: '', rule: 'mobile.invalid-dropped' }],
    });
  });

  it('rejects a row whose only channel is an invalid mobile', () => {
    expect(cleanRow({ name: '王小明', mobile: '0912-345-67' }, options)).toMatchObject({
      outcome: 'rejected',
      reasons: [{ field: 'mobile', code: 'mobile.invalid', message: expect.stringContaining('0912-345-67') }],
    });
  });

  it('keeps a row with an invalid mobile and a valid fax, dropping the mobile', () => {
    expect(cleanRow({ mobile: 'n/a', fax: '(02) 2345-6789' }, options)).toMatchObject({ outcome: 'ok', fields: { fax: '+886223456789' } });
  });

  it('rejects a row with no channel at all', () => {
    expect(cleanRow({ name: '王小明', email: '  ' }, options)).toMatchObject({
      outcome: 'rejected',
      reasons: [{ field: 'email', code: 'row.no-channel' }],
    });
  });

  it('rejects a row missing a required field', () => {
    expect(cleanRow({ email: 'a@example.com' }, { required: ['name', 'email'] })).toMatchObject({
      outcome: 'rejected',
      reasons: [{ field: 'name', code: 'row.required' }],
    });
  });

  it('reads national numbers in the configured region', () => {
    expect(cleanRow({ mobile: '(650) 253-0000' }, { region: 'US' })).toMatchObject({ outcome: 'ok', fields: { mobile: '+16502530000' } });
  });

  it('drops an unrecognised gender, birthday or language with a change, without rejecting the row', () => {
    const result = cleanRow({ email: 'a@example.com', gender: '?', birthday: '79/1/2', language: '!!' }, options);
    expect(result).toMatchObject({ outcome: 'ok', fields: { email: 'a@example.com' } });
    expect(result.changes.map((c) => [c.field, c.rule, c.to])).toEqual([
      ['gender', 'gender.unrecognised', ''],
      ['birthday', 'birthday.unrecognised', ''],
      ['language', 'language.unrecognised', ''],
    ]);
  });

  it('drops tags longer than the contacts API allows', () => {
    const long = 'x'.repeat(51);
    const result = cleanRow({ email: 'a@example.com', tags: `VIP,${long}` }, options);
    expect(result).toMatchObject({ outcome: 'ok', tags: ['VIP'] });
    expect(result.changes).toEqual([{ field: 'tags', from: `VIP,${long}`, to: 'VIP', rule: 'tags.limit' }]);
  });

  it('keeps custom fields as normalised text', () => {
    expect(cleanRow({ email: 'a@example.com', 會員等級: ' 金卡 ' }, options)).toMatchObject({ outcome: 'ok', fields: { 會員等級: '金卡' } });
  });

  describe('keyword filters', () => {
    const filters: CleanOptions = { filters: [{ keywords: ['test', '測試'] }, { keywords: ['competitor.com'], fields: ['email'] }] };

    it.each([
      [{ email: 'TEST@example.com' }, 'test', 'email'],
      [{ email: 'a@example.com', name: 'ＴＥＳＴ 帳號' }, 'test', 'name'],
      [{ email: 'a@example.com', company: '測試公司' }, '測試', 'company'],
      [{ email: 'sales@competitor,com' }, 'competitor.com', 'email'],
    ])('drops %j (keyword %s in %s)', (row, keyword, field) => {
      expect(cleanRow(row, filters)).toMatchObject({ outcome: 'filtered', keyword, field });
    });

    it('looks only in the fields given', () => {
      expect(cleanRow({ email: 'a@example.com', company: 'competitor.com' }, filters).outcome).toBe('ok');
    });

    it('wins over rejection: a row the user wants dropped is not reported as invalid', () => {
      expect(cleanRow({ email: 'test@localhost' }, filters)).toMatchObject({ outcome: 'filtered', keyword: 'test' });
    });

    it('keeps rows without any keyword', () => {
      expect(cleanRow({ email: 'wang@example.com', name: '王小明' }, filters).outcome).toBe('ok');
    });

    it('looks only at the row\'s own fields, whatever they are called', () => {
      expect(cleanRow({ email: 'wang@example.com' }, { filters: [{ keywords: ['function'], fields: ['constructor', 'toString'] }] }).outcome).toBe('ok');
    });

    it('ignores empty keywords', () => {
      expect(cleanRow({ email: 'wang@example.com' }, { filters: [{ keywords: ['', '  '] }] }).outcome).toBe('ok');
    });
  });

  it('is pure: the same row and options give equal results and the input is untouched', () => {
    const row = { email: ' ＷＡＮＧ@gmial,com ', mobile: '0912 345 678', tags: 'a、b', birthday: '民國79/1/2' };
    const copy = structuredClone(row);
    const first = cleanRow(row, filters());
    const second = cleanRow(row, filters());
    expect(second).toEqual(first);
    expect(row).toEqual(copy);
    function filters(): CleanOptions {
      return { filters: [{ keywords: ['spam'] }], required: ['email'] };
    }
  });
});
