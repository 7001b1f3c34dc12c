import { describe, expect, it } from 'vitest';
import { cleanEmail, domainTypos, suffixTypos } from '../../shared/imports/clean';

const rulesOf = (raw: string) => cleanEmail(raw).changes.map((c) => c.rule);

describe('e-mail auto-correction', () => {
  it.each([
    // input, corrected, rules recorded in order
    ['ｗａｎｇ＠ｇｍａｉｌ．ｃｏｍ', 'wang@gmail.com', ['email.fullwidth']],
    ['wang@gmail。com', 'wang@gmail.com', ['email.ideographic-dot']],
    ['Wang <wang@example.com>', 'wang@example.com', ['email.wrapper']],
    ['mailto:wang@example.com', 'wang@example.com', ['email.wrapper']],
    ['"wang@example.com"', 'wang@example.com', ['email.wrapper']],
    ['wang @ example.com', 'wang@example.com', ['email.spaces']],
    ['wang\u3000xiao@example.com', 'wangxiao@example.com', ['email.fullwidth', 'email.spaces']],
    ['wang@example.com.', 'wang@example.com', ['email.trailing-dot']],
    ['wang@example.com,', 'wang@example.com', ['email.trailing-dot']],
    ['.wang@example.com', 'wang@example.com', ['email.leading-dot']],
    ['wang@example,com', 'wang@example.com', ['email.comma-for-dot']],
    ['wang@example;com;tw', 'wang@example.com.tw', ['email.comma-for-dot']],
    ['xiao,ming@example.com', 'xiao.ming@example.com', ['email.comma-for-dot']],
    ['wang@@example.com', 'wang@example.com', ['email.double-at']],
    ['wang..xiao@example.com', 'wang.xiao@example.com', ['email.double-dot']],
    ['wang@example..com', 'wang@example.com', ['email.double-dot']],
    ['wang.@example.com', 'wang@example.com', ['email.dot-at']],
    ['wang@.example.com', 'wang@example.com', ['email.dot-at']],
    ['wang@gmial.com', 'wang@gmail.com', ['email.domain-typo']],
    ['wang@gmai.com', 'wang@gmail.com', ['email.domain-typo']],
    ['wang@gmail.con', 'wang@gmail.com', ['email.domain-typo']],
    ['wang@gmail.co', 'wang@gmail.com', ['email.domain-typo']],
    ['wang@gmail', 'wang@gmail.com', ['email.domain-typo']],
    ['wang@hotmial.com', 'wang@hotmail.com', ['email.domain-typo']],
    ['wang@hotmail.con', 'wang@hotmail.com', ['email.domain-typo']],
    ['wang@yaho.com.tw', 'wang@yahoo.com.tw', ['email.domain-typo']],
    ['wang@yahoo.con.tw', 'wang@yahoo.com.tw', ['email.domain-typo']],
    ['wang@yahoo.tw', 'wang@yahoo.com.tw', ['email.domain-typo']],
    ['wang@tw.yahoo.com', 'wang@yahoo.com.tw', ['email.domain-typo']],
    ['wang@yahoo.com.tw.', 'wang@yahoo.com.tw', ['email.trailing-dot']],
    ['wang@msa.hinet.com', 'wang@msa.hinet.net', ['email.domain-typo']],
    ['wang@msa.hinet.net.tw', 'wang@msa.hinet.net', ['email.domain-typo']],
    ['wang@outlok.com', 'wang@outlook.com', ['email.domain-typo']],
    ['wang@live.con', 'wang@live.com', ['email.domain-typo']],
    ['wang@example.con', 'wang@example.com', ['email.tld-typo']],
    ['wang@example.con.tw', 'wang@example.com.tw', ['email.tld-typo']],
    ['ＷＡＮＧ＠ＧＭＩＡＬ，ＣＯＭ', 'wang@gmail.com', ['email.fullwidth', 'email.comma-for-dot', 'email.domain-typo']],
    [' wang @@ yahoo , com , tw . ', 'wang@yahoo.com.tw', ['email.spaces', 'email.trailing-dot', 'email.comma-for-dot', 'email.double-at']],
  ])('%s → %s', (raw, corrected, rules) => {
    const result = cleanEmail(raw);
    expect(result.reason).toBeUndefined();
    expect(result.value).toBe(corrected);
    expect(result.changes.map((c) => c.rule)).toEqual(rules);
  });

  it('records each step from the value before it to the value after it', () => {
    expect(cleanEmail('Wang@Gmial,com').changes).toEqual([
      { field: 'email', from: 'Wang@Gmial,com', to: 'Wang@Gmial.com', rule: 'email.comma-for-dot' },
      { field: 'email', from: 'wang@gmial.com', to: 'wang@gmail.com', rule: 'email.domain-typo' },
    ]);
  });

  it.each([
    'wang@gmail.com',
    'Wang.Xiao-Ming+news@Example.COM.tw',
    'o\'neil@example.ie',
    'wang@hotmail.co.uk', // hotmail.co could be .co.uk or .co.jp: never guessed
    'wang@hotmail.co.jp',
    'wang@yahoo.co.jp',
    'wang@live.co.uk',
    'wang@outlook.co.th',
    'wang@ms1.hinet.net', // HiNet's numbered hosts are real
    'wang@ms75.hinet.net',
    'wang@gmail.com.sg',
    'wang@example.co', // .co, .cm, .om are real country domains
    'wang@example.cm',
    'wang@example.om',
    'wang@mail.gov.tw',
    'wang@xn--fiqs8s.tw',
  ])('leaves the plausible address %s alone (apart from lower-casing)', (address) => {
    const result = cleanEmail(address);
    expect(result.changes).toEqual([]);
    expect(result.value).toBe(address.toLowerCase());
  });

  it('ignores an empty cell', () => {
    expect(cleanEmail('   ')).toEqual({ changes: [] });
  });

  it.each([
    ['wang.example.com', 'email.missing-at', /has no @/],
    ['wang@xiao@example.com', 'email.several-at', /more than one @/],
    ['@example.com', 'email.missing-local', /nothing before the @/],
    ['wang@', 'email.missing-domain', /nothing after the @/],
    ['wang@localhost', 'email.domain-no-dot', /"localhost" has no dot/],
    ['wang@exa_mple.com', 'email.domain', /"exa_mple" is not a valid part/],
    ['wang@example.c', 'email.tld', /"c" is not a top-level domain/],
    ['wang@example.123', 'email.tld', /"123"/],
    ['王小明@example.com', 'email.characters', /contains "王"/],
    ['wang(xiao)@example.com', 'email.characters', /"\(" is not allowed before the @/],
    ['a@x.com; b@y.com', 'email.several', /more than one address/],
    ['wang@example.com wang2@example.com', 'email.several', /more than one address/],
    ['...', 'email.empty', /no address/],
    [`${'a'.repeat(65)}@example.com`, 'email.local-too-long', /64/],
    [`wang@${'a'.repeat(250)}.com`, 'email.too-long', /254/],
  ])('refuses %s with %s', (raw, code, message) => {
    const result = cleanEmail(raw);
    expect(result.value).toBeUndefined();
    expect(result.reason?.code).toBe(code);
    expect(result.reason?.field).toBe('email');
    expect(result.reason?.message).toMatch(message);
  });

  it('names the field it was given', () => {
    expect(cleanEmail('nope', 'work_email').reason?.field).toBe('work_email');
  });

  it('accepts only what the contacts API accepts', () => {
    expect(rulesOf('wang@example.com')).toEqual([]);
    expect(cleanEmail('wang@-example.com').reason?.code).toBe('email.domain');
    expect(cleanEmail('wang@example-.com').reason?.code).toBe('email.domain');
    expect(cleanEmail('wang@exa-mple.com').value).toBe('wang@exa-mple.com');
  });

  describe('the typo table', () => {
    it.each([...domainTypos])('corrects %s to %s', (typo, intended) => {
      expect(cleanEmail(`wang@${typo}`)).toEqual({
        value: `wang@${intended}`,
        changes: [{ field: 'email', from: `wang@${typo}`, to: `wang@${intended}`, rule: 'email.domain-typo' }],
      });
    });

    it('never turns a domain it corrects to into something else', () => {
      for (const intended of new Set(domainTypos.values())) {
        expect(domainTypos.has(intended)).toBe(false);
        expect(cleanEmail(`wang@${intended}`)).toEqual({ value: `wang@${intended}`, changes: [] });
      }
      for (const [, ending] of suffixTypos) expect(suffixTypos.some(([typo]) => ending.endsWith(typo))).toBe(false);
    });
  });
});
