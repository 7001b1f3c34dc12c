import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { MailCharset } from '../../shared/campaigns/model';
import { compileMessage, renderMessage, type RenderedMessage } from '../../shared/content';
import { compileContext, newsletter, recipient } from '../fixtures/content/sample-campaign';

interface Case {
  readonly charset: MailCharset;
  readonly name: string;
  readonly subject: string;
  readonly fromName: string;
  readonly body: string;
  /** How the language separates the name from what follows. */
  readonly sep: string;
}

// Each charset with text of the language it is used for; subjects long enough to need several
// encoded words, so splits between multi-byte characters are exercised.
const cases: Case[] = [
  { charset: 'UTF-8', name: '王小明', subject: '春季特賣開跑 🎉 Spring sale, 全館八五折起，只到週日為止！', fromName: '信鴿商店 Pigeon', body: '親愛的會員 — 限時優惠 ✓ 😀', sep: '：' },
  { charset: 'Big5', name: '陳美麗', subject: '春季特賣開跑，全館八五折起，只到週日為止！會員再享滿千送百', fromName: '信鴿商店', body: '親愛的會員，您好：限時優惠，數量有限。', sep: '：' },
  { charset: 'GB2312', name: '李小龙', subject: '春季特卖开跑，全场八五折起，只到周日为止！会员再享满千送百', fromName: '信鸽商店', body: '亲爱的会员，您好：限时优惠，数量有限。', sep: '：' },
  { charset: 'Shift_JIS', name: '山田太郎', subject: '春のセール開催中、全品１５％オフ！会員様は送料無料でお届けします', fromName: 'ピジョン商店', body: 'お客様各位：期間限定の特別価格です。', sep: '：' },
  { charset: 'ISO-2022-JP', name: '山田花子', subject: '春のセール開催中、全品１５％オフ！会員様は送料無料でお届けします', fromName: 'ピジョン商店', body: 'お客様各位：期間限定の特別価格です。', sep: '：' },
  { charset: 'EUC-KR', name: '김민수', subject: '봄맞이 세일 시작, 전 품목 15% 할인! 회원님께는 무료 배송을 드립니다', fromName: '피전 상점', body: '고객님 안녕하세요: 기간 한정 특가입니다.', sep: '：' },
  { charset: 'ISO-8859-1', name: 'Zoë Müller', subject: 'Soldes de printemps : 15 % de réduction sur tout, livraison offerte aux abonnés', fromName: 'Boutique Pigeon à Paris', body: 'Chère cliente, offre spéciale à durée limitée : ÄÖÜ ß ç é.', sep: ': ' },
];

async function send(c: Case, text?: string): Promise<{ message: RenderedMessage; parsed: ParsedMail; raw: string }> {
  const content = newsletter({
    charset: c.charset,
    subject: `{{ name }}${c.sep}${c.subject}`,
    preheader: undefined,
    fromName: c.fromName,
    toName: '{{ name }}',
    html: `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p>{{ name }}</p><p>${c.body}</p><a href="{{ unsubscribe_url }}">unsubscribe</a></body></html>`,
    ...(text === undefined ? {} : { text }),
  });
  const compiled = compileMessage(content, compileContext());
  const message = await renderMessage(compiled, recipient({ name: c.name }), { unsubscribeUrl: 'https://t.example.com/u/abc', date: new Date('2026-03-01T09:00:00Z') });
  return { message, parsed: await simpleParser(Buffer.from(message.raw)), raw: Buffer.from(message.raw).toString('latin1') };
}

const headerLine = (parsed: ParsedMail, key: string): string | undefined => parsed.headerLines.find((h) => h.key === key)?.line;
const addressOf = (field: AddressObject | AddressObject[] | undefined) => (Array.isArray(field) ? field[0] : field)?.value[0];

describe.each(cases)('a message in $charset', (c) => {
  it('decodes back to the same subject, sender, recipient, HTML and text', async () => {
    const text = `{{ name }}${c.sep}${c.body}\n${c.body}`;
    const { message, parsed } = await send(c, text);
    expect(parsed.subject).toBe(`${c.name}${c.sep}${c.subject}`);
    expect(addressOf(parsed.from)).toEqual({ name: c.fromName, address: 'news@shop.example.com' });
    expect(addressOf(parsed.to)).toEqual({ name: c.name, address: 'wang@example.com' });
    expect(parsed.text?.trimEnd()).toBe(`${c.name}${c.sep}${c.body}\n${c.body}`);
    expect(parsed.html).toContain(`<p>${c.body}</p>`);
    expect(parsed.html).toContain(`<p>${c.name}</p>`);
    expect(message.subject).toBe(parsed.subject);
    expect(message.charset).toBe(c.charset);
  });

  it('declares the charset on both text parts and in encoded headers, with 7-bit lines under 998 octets', async () => {
    const { raw } = await send(c);
    expect(raw).toContain(`Content-Type: text/plain; charset=${c.charset}`);
    expect(raw).toContain(`Content-Type: text/html; charset=${c.charset}`);
    expect(raw).toMatch(new RegExp(`^Subject: =\\?${c.charset}\\?B\\?`, 'm'));
    // The HTML's own <meta charset> is made to agree with the part's.
    expect(raw.includes('charset="utf-8"') && c.charset !== 'UTF-8').toBe(false);
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    expect(/[^\x00-\x7f]/.test(raw)).toBe(false); // eslint-disable-line no-control-regex
    const encodings = [...raw.matchAll(/Content-Type: text\/(?:plain|html)[^\r]*\r\nContent-Transfer-Encoding: (\S+)/g)].map((m) => m[1]);
    expect(encodings).toHaveLength(2);
    for (const encoding of encodings) {
      if (c.charset === 'ISO-2022-JP') expect(encoding).toBe('7bit');
      else expect(['quoted-printable', 'base64']).toContain(encoding);
    }
  });

  it('generates a text part in the charset when the campaign has none', async () => {
    const { parsed } = await send(c);
    expect(parsed.text).toContain(c.body);
    expect(parsed.text).toContain(c.name);
  });
});

describe('transfer encodings', () => {
  it('writes mostly-ASCII parts as quoted-printable that decodes exactly, lines within 76', async () => {
    const text = `Total = 100 EUR  \nTabs\tand trailing tab\t\n${'A long line without breaks '.repeat(20)}\nCafé crème =?x?=`;
    const html = `<html><body><p style="margin:0">${'Spring offer = 20% off. '.repeat(40)}</p></body></html>`;
    const compiled = compileMessage(newsletter({ html, text, preheader: undefined, charset: 'UTF-8' }), compileContext());
    const message = await renderMessage(compiled, recipient(), {});
    const raw = Buffer.from(message.raw).toString('latin1');
    expect(raw.match(/Content-Transfer-Encoding: quoted-printable/g)).toHaveLength(2);
    const body = raw.slice(raw.indexOf('Content-Transfer-Encoding: quoted-printable'));
    for (const line of body.split('\r\n').filter((l) => !l.startsWith('Content-') && !l.startsWith('--'))) expect(line.length).toBeLessThanOrEqual(76);
    const parsed = await simpleParser(Buffer.from(message.raw));
    expect(parsed.text).toBe(text);
    expect(parsed.html).toBe(html);
  });

  it('writes CJK parts as base64 that decodes exactly', async () => {
    const html = `<html><body><p>${'親愛的會員您好，春季特賣開跑。'.repeat(50)}</p></body></html>`;
    const compiled = compileMessage(newsletter({ html, text: '會員您好', preheader: undefined }), compileContext());
    const message = await renderMessage(compiled, recipient(), {});
    const raw = Buffer.from(message.raw).toString('latin1');
    expect(raw.match(/Content-Transfer-Encoding: base64/g)).toHaveLength(2);
    expect((await simpleParser(Buffer.from(message.raw))).html).toBe(html);
  });
});

describe('headers', () => {
  const render = async (extras: Parameters<typeof renderMessage>[2], fields: Record<string, unknown> = {}) => {
    const compiled = compileMessage(newsletter({ subject: 'Hello {{ name }}' }), compileContext());
    const message = await renderMessage(compiled, recipient(fields), extras);
    return { message, parsed: await simpleParser(Buffer.from(message.raw)) };
  };

  it('carries one-click List-Unsubscribe (RFC 8058) when there is an unsubscribe URL', async () => {
    const { parsed } = await render({ unsubscribeUrl: 'https://t.example.com/u/xyz' });
    expect(headerLine(parsed, 'list-unsubscribe')).toBe('List-Unsubscribe: <https://t.example.com/u/xyz>');
    expect(headerLine(parsed, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('has no List-Unsubscribe without an unsubscribe URL', async () => {
    const { parsed } = await render({});
    expect(headerLine(parsed, 'list-unsubscribe')).toBeUndefined();
    expect(headerLine(parsed, 'list-unsubscribe-post')).toBeUndefined();
  });

  it('sets Date, Message-ID at the sender domain, Reply-To, MIME-Version and extra headers', async () => {
    const { parsed } = await render({ date: new Date('2026-03-01T09:00:00Z'), headers: { 'X-Pigeon-Run': 'r1', 'X-Campaign': '春季' } });
    expect(parsed.date?.toISOString()).toBe('2026-03-01T09:00:00.000Z');
    expect(parsed.messageId).toMatch(/^<[0-9a-f-]{36}@shop\.example\.com>$/);
    expect(addressOf(parsed.replyTo)?.address).toBe('service@shop.example.com');
    expect(parsed.headers.get('mime-version')).toBe('1.0');
    expect(parsed.headers.get('x-pigeon-run')).toBe('r1');
    expect(headerLine(parsed, 'x-campaign')).toBe(`X-Campaign: =?UTF-8?B?${Buffer.from('春季').toString('base64')}?=`);
  });

  it('gives every message its own Message-ID', async () => {
    const a = await render({});
    const b = await render({});
    expect(a.parsed.messageId).not.toBe(b.parsed.messageId);
  });

  it('keeps a line break in merged data from starting a new header', async () => {
    const { parsed, message } = await render({}, { name: 'Eve\r\nBcc: victim@example.com' });
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe('Hello Eve Bcc: victim@example.com');
    expect(message.subject).toBe('Hello Eve Bcc: victim@example.com');
  });

  it('quotes an ASCII display name with specials and leaves it readable', async () => {
    const compiled = compileMessage(newsletter({ fromName: 'Pigeon, Inc. "Deals"', toName: undefined }), compileContext());
    const message = await renderMessage(compiled, recipient(), {});
    const parsed = await simpleParser(Buffer.from(message.raw));
    expect(addressOf(parsed.from)?.name).toBe('Pigeon, Inc. "Deals"');
    expect(addressOf(parsed.to)).toEqual({ name: '', address: 'wang@example.com' });
    expect(message.to).toBe('wang@example.com');
  });
});
