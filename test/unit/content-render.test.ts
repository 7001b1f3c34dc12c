import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { describe, expect, it, vi } from 'vitest';
import type { AttachmentSpec, CampaignContent } from '../../shared/campaigns/model';
import { codeImagePng, compileMessage, RecipientRenderError, renderMessage } from '../../shared/content';
import type { RenderExtras } from '../../shared/content/render-types';
import { ValidationError } from '../../shared/errors';
import { compileContext, newsletter, recipient } from '../fixtures/content/sample-campaign';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const tracking: RenderExtras = {
  unsubscribeUrl: 'https://t.example.com/u/tok',
  openPixelUrl: 'https://t.example.com/o/tok.gif',
  rewriteLink: (url, index) => `https://t.example.com/c/tok/${index}?u=${encodeURIComponent(url)}`,
};

async function render(content: Partial<CampaignContent>, fields: Record<string, unknown> = {}, extras: RenderExtras = tracking) {
  const compiled = compileMessage(newsletter(content), compileContext());
  const message = await renderMessage(compiled, recipient(fields), extras);
  return { message, parsed: await simpleParser(Buffer.from(message.raw)) };
}

describe('merge tags', () => {
  it('fills standard and custom fields, applies default, and leaves unknown variables empty', async () => {
    const html = '<html><body><p>Hi {{ name | default: "會員" }} ({{ custom.tier }}) [{{ nickname }}] {{ email }}</p></body></html>';
    const { message } = await render({ subject: '{{ name | default: "會員" }}，您好', html }, { name: '' });
    expect(message.subject).toBe('會員，您好');
    expect(message.html).toContain('<p>Hi 會員 (gold) [] wang@example.com</p>');
    const named = await render({ subject: '{{ name | default: "會員" }}，您好', html });
    expect(named.message.subject).toBe('王小明，您好');
  });

  it('exposes the preheader and the unsubscribe URL to templates', async () => {
    const html = '<html><body><p>{{ preheader }}</p><a href="{{ unsubscribe_url }}">取消訂閱</a></body></html>';
    const { message } = await render({ preheader: '{{ name }} 專屬優惠', html });
    expect(message.html).toContain('<p>王小明 專屬優惠</p>');
    expect(message.html).toContain('<a href="https://t.example.com/u/tok">取消訂閱</a>');
  });
});

describe('template errors', () => {
  it('compiles synchronously', () => {
    const compiled = compileMessage(newsletter(), compileContext());
    expect(compiled).not.toBeInstanceOf(Promise);
  });

  it('names the field and the line of a syntax error', () => {
    const attempt = () => compileMessage(newsletter({ subject: 'Hi {{ name ' }), compileContext());
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      const issue = (error as ValidationError).errors[0];
      expect(issue?.field).toBe('content.subject');
      expect(issue?.message).toMatch(/line:1/);
      expect((error as Error).message).toContain('content.subject');
    }
  });

  it('reports every broken template, attachment names included', () => {
    const attachments: AttachmentSpec[] = [{ kind: 'file', key: 'a/x.pdf', name: '{% if %}', contentType: 'application/pdf', size: 3 }];
    try {
      compileMessage(newsletter({ html: '<p>{% iff x %}</p>', attachments }), compileContext());
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).errors.map((e) => e.field)).toEqual(['content.html', 'content.attachments.0.name']);
    }
  });

  it('refuses unknown filters and tags that read files', () => {
    expect(() => compileMessage(newsletter({ subject: '{{ name | shout }}' }), compileContext())).toThrow(/undefined filter: shout/);
    expect(() => compileMessage(newsletter({ html: "{% include 'secrets' %}" }), compileContext())).toThrow(/include tag is not available/);
  });
});

describe('links, preheader and open pixel', () => {
  const html =
    '<html><head><title>x</title></head><body><p>Hello</p>' +
    '<a href="https://shop.example.com/a?x=1&amp;y=2">Shop</a> ' +
    '<a href="mailto:service@example.com">Mail us</a> <a href="tel:+886223456789">Call</a> <a href="#top">Top</a> ' +
    '<a href="http://old.example.com/">Old</a> <a data-pigeon-notrack href="https://private.example.com/">Private</a> ' +
    '<A HREF=\'https://shop.example.com/b\'>B</A> <a href="{{ unsubscribe_url }}">Unsubscribe</a></body></html>';

  it('rewrites http(s) links in order, leaving mailto, tel, anchors, no-track and unsubscribe links alone', async () => {
    const rewriteLink = vi.fn(tracking.rewriteLink as NonNullable<RenderExtras['rewriteLink']>);
    const { message } = await render({ html }, {}, { ...tracking, rewriteLink });
    expect(rewriteLink.mock.calls).toEqual([
      ['https://shop.example.com/a?x=1&y=2', 0],
      ['http://old.example.com/', 1],
      ['https://shop.example.com/b', 2],
    ]);
    expect(message.html).toContain('<a href="https://t.example.com/c/tok/0?u=https%3A%2F%2Fshop.example.com%2Fa%3Fx%3D1%26y%3D2">Shop</a>');
    expect(message.html).toContain('<a href="mailto:service@example.com">');
    expect(message.html).toContain('<a href="tel:+886223456789">');
    expect(message.html).toContain('<a href="#top">');
    expect(message.html).toContain('<a data-pigeon-notrack href="https://private.example.com/">');
    expect(message.html).toContain("<A HREF='https://t.example.com/c/tok/2?u=https%3A%2F%2Fshop.example.com%2Fb'>B</A>");
    expect(message.html).toContain('<a href="https://t.example.com/u/tok">Unsubscribe</a>');
  });

  it('tracks links written inside Liquid strings and leaves their quoting alone', async () => {
    const html = `<html><body>{{ "<a href='https://shop.example.com/x'>X</a>" }}{% if custom.tier == 'gold' %}<a href=https://shop.example.com/gold>Gold</a>{% endif %}</body></html>`;
    const { message } = await render({ html, preheader: undefined }, {}, { ...tracking, openPixelUrl: undefined });
    expect(message.html).toBe('<html><body><a href=\'https://t.example.com/c/tok/0?u=https%3A%2F%2Fshop.example.com%2Fx\'>X</a><a href=https://t.example.com/c/tok/1?u=https%3A%2F%2Fshop.example.com%2Fgold>Gold</a></body></html>');
  });

  it('shows the tracked URLs in the generated text part', async () => {
    const { message, parsed } = await render({ html });
    expect(parsed.text).toContain('Shop [https://t.example.com/c/tok/0?u=https%3A%2F%2Fshop.example.com%2Fa%3Fx%3D1%26y%3D2]');
    expect(parsed.text).toContain('Mail us [service@example.com] Call [tel:+886223456789] Top Old');
    expect(parsed.text).toContain('Unsubscribe [https://t.example.com/u/tok]');
    expect(parsed.text).not.toContain('https://shop.example.com/b]');
    expect(message.text).toBe(parsed.text?.trimEnd());
  });

  it('puts the preheader hidden first in the body and the pixel just before </body>', async () => {
    const { message } = await render({ html, preheader: '{{ name }}，限時優惠 <今天>' });
    expect(message.html).toMatch(/<body><span style="display:none[^"]*">王小明，限時優惠 &lt;今天&gt;<\/span><p>Hello/);
    expect(message.html).toMatch(/<img src="https:\/\/t\.example\.com\/o\/tok\.gif" width="1" height="1"[^>]*><\/body><\/html>$/);
    expect(message.text).not.toContain('限時優惠');
  });

  it('appends the pixel at the end of an HTML fragment without <body>', async () => {
    const { message } = await render({ html: '<p>Fragment</p>', preheader: undefined });
    expect(message.html).toMatch(/^<p>Fragment<\/p><img src="https:\/\/t\.example\.com\/o\/tok\.gif"/);
  });

  it('generates the same text from the compiled text template as from each recipient’s HTML', async () => {
    const compiled = compileMessage(newsletter({ preheader: undefined }), compileContext());
    expect(compiled.textFromHtml).toBeDefined();
    const extras = { ...tracking, openPixelUrl: undefined };
    const fast = await renderMessage(compiled, recipient(), extras);
    const slow = await renderMessage({ ...compiled, textFromHtml: undefined }, recipient(), extras);
    expect(fast.text).toBe(slow.text);
    expect(fast.text).toContain('金卡會員專屬');
    expect(fast.text).toContain('#旅遊');
  });

  it('falls back to converting each recipient’s HTML when a tag sits inside an attribute', async () => {
    const html = '<html><body><p class="{% if custom.tier == "gold" %}vip{% endif %}">Hi {{ name }}</p><a href="https://x.example.com/">Go</a></body></html>';
    const compiled = compileMessage(newsletter({ html }), compileContext());
    expect(compiled.textFromHtml).toBeUndefined();
    const message = await renderMessage(compiled, recipient(), tracking);
    expect(message.text).toBe('Hi 王小明\n\nGo [https://t.example.com/c/tok/0?u=https%3A%2F%2Fx.example.com%2F]');
  });

  it('leaves an empty link (a test send without unsubscribe URL) out of the text part', async () => {
    const { message } = await render({ html: '<html><body><p>Bye</p><a href="{{ unsubscribe_url }}">取消訂閱</a></body></html>' }, {}, {});
    expect(message.text).toBe('Bye\n\n取消訂閱');
  });

  it('uses the campaign’s own text part when it has one', async () => {
    const { message } = await render({ text: '{{ name }}：請看 {{ unsubscribe_url }}' });
    expect(message.text).toBe('王小明：請看 https://t.example.com/u/tok');
  });
});

describe('charset fidelity', () => {
  it('writes characters Big5 lacks as character references in HTML', async () => {
    const { parsed } = await render({ charset: 'Big5', html: '<html><body><p>{{ name }}</p></body></html>' }, { name: '王小明 😀 简体' });
    expect(parsed.html).toContain('<p>王小明 &#x1f600; &#x7b80;体</p>');
  });

  it('keeps 7bit ISO-2022-JP HTML lines under 998 octets', async () => {
    const html = `<html><body>${'<span style="color:#333">日本語のテキストです。</span>'.repeat(200)}</body></html>`;
    const { message, parsed } = await render({ charset: 'ISO-2022-JP', html, preheader: undefined }, {}, {});
    const raw = Buffer.from(message.raw).toString('latin1');
    expect(raw).toContain('Content-Transfer-Encoding: 7bit');
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    expect(String(parsed.html).replace(/\n>/g, '>')).toContain('<span style="color:#333">日本語のテキストです。</span>'.repeat(200));
  });
});

describe('attachments', () => {
  const file: AttachmentSpec = { kind: 'file', key: 'assets/ws1/型錄.pdf', name: '{{ name }}的春季型錄.pdf', contentType: 'application/pdf', size: 11 };

  it('attaches a file with a Chinese name that round-trips, reading its bytes once for all recipients', async () => {
    const readAsset = vi.fn(async () => new TextEncoder().encode('%PDF-sample'));
    const compiled = compileMessage(newsletter({ attachments: [file] }), compileContext(readAsset));
    const names: string[] = [];
    for (const name of ['王小明', '陳美麗', '林志玲']) {
      const message = await renderMessage(compiled, recipient({ name }), tracking);
      const parsed = await simpleParser(Buffer.from(message.raw));
      expect(parsed.attachments).toHaveLength(1);
      const [attachment] = parsed.attachments;
      expect(attachment?.contentType).toBe('application/pdf');
      expect(Buffer.from(attachment?.content ?? []).toString()).toBe('%PDF-sample');
      names.push(attachment?.filename ?? '');
      expect(message.attachmentNames).toEqual([`${name}的春季型錄.pdf`]);
      const raw = Buffer.from(message.raw).toString('latin1');
      expect(raw).toContain("filename*=UTF-8''");
      expect(raw).toMatch(/name="=\?UTF-8\?B\?/);
    }
    expect(names).toEqual(['王小明的春季型錄.pdf', '陳美麗的春季型錄.pdf', '林志玲的春季型錄.pdf']);
    expect(readAsset).toHaveBeenCalledTimes(1);
  });

  it('round-trips a very long Chinese file name through RFC 2231 continuations', async () => {
    const long = `${'年度會員專屬優惠活動說明'.repeat(12)}.pdf`;
    const { parsed, message } = await render({ attachments: [{ ...file, name: long }] });
    expect(parsed.attachments[0]?.filename).toBe(long);
    const raw = Buffer.from(message.raw).toString('latin1');
    expect(raw).toContain("filename*0*=UTF-8''");
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  });

  it('sends a download link instead of the file when asLink is set', async () => {
    const readAsset = vi.fn(async () => new Uint8Array(3));
    const compiled = compileMessage(newsletter({ attachments: [{ ...file, asLink: true }] }), compileContext(readAsset));
    const rewriteLink = vi.fn(tracking.rewriteLink as NonNullable<RenderExtras['rewriteLink']>);
    const message = await renderMessage(compiled, recipient(), { ...tracking, rewriteLink });
    const parsed = await simpleParser(Buffer.from(message.raw));
    expect(parsed.attachments).toHaveLength(0);
    expect(message.attachmentNames).toEqual([]);
    expect(readAsset).not.toHaveBeenCalled();
    const assetUrl = 'https://assets.example.com/assets/ws1/%E5%9E%8B%E9%8C%84.pdf';
    const index = rewriteLink.mock.calls.find(([url]) => url === assetUrl)?.[1];
    const tracked = `https://t.example.com/c/tok/${index}?u=${encodeURIComponent(assetUrl)}`;
    expect(message.html).toContain(`<a href="${tracked}">王小明的春季型錄.pdf</a>`);
    expect(message.text).toContain(`- 王小明的春季型錄.pdf: ${tracked}`);
  });

  const pdf = (passwordField?: string): AttachmentSpec => ({
    kind: 'pdf',
    name: '{{ name }} 對帳單',
    template: '<h1>Statement for {{ name }}</h1><p>Balance: {{ custom.balance }}</p>',
    ...(passwordField ? { passwordField } : {}),
  });

  it('makes a PDF for each recipient, named from the template', async () => {
    const { parsed, message } = await render({ attachments: [pdf()] }, { name: 'Wang', custom: { balance: '1,200' } });
    expect(message.attachmentNames).toEqual(['Wang 對帳單.pdf']);
    const [attachment] = parsed.attachments;
    expect(attachment?.filename).toBe('Wang 對帳單.pdf');
    expect(attachment?.contentType).toBe('application/pdf');
    const bytes = Buffer.from(attachment?.content ?? []);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.includes('/Encrypt')).toBe(false);
  });

  it('encrypts the PDF with the password from the recipient’s field', async () => {
    const { parsed } = await render({ attachments: [pdf('custom.id_last4')] }, { custom: { id_last4: '6789' } });
    const bytes = Buffer.from(parsed.attachments[0]?.content ?? []);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.includes('/Encrypt')).toBe(true);
  });

  it('draws PDFs with the font the compile context gives (a CJK font in production), else Helvetica', async () => {
    // Any TrueType/OpenType font proves the wiring; bwip-js ships one.
    const font = new Uint8Array(readFileSync('node_modules/bwip-js/fonts/Inconsolata.otf'));
    const compiled = compileMessage(newsletter({ attachments: [pdf()] }), { ...compileContext(), pdfFont: font });
    const withFont = await simpleParser(Buffer.from((await renderMessage(compiled, recipient(), tracking)).raw));
    const embedded = Buffer.from(withFont.attachments[0]?.content ?? []).toString('latin1');
    expect(embedded).toMatch(/\/BaseFont \/[A-Z]{6}\+Inconsolata/);
    expect(embedded).toContain('/FontFile');
    const { parsed } = await render({ attachments: [pdf()] });
    expect(Buffer.from(parsed.attachments[0]?.content ?? []).toString('latin1')).toContain('/BaseFont /Helvetica');
  });

  it('fails only this recipient when their password field is empty', async () => {
    const compiled = compileMessage(newsletter({ attachments: [pdf('custom.id_last4')] }), compileContext());
    const failure = renderMessage(compiled, recipient({ custom: { id_last4: ' ' } }), tracking);
    await expect(failure).rejects.toBeInstanceOf(RecipientRenderError);
    await expect(failure).rejects.toMatchObject({ code: 'attachment.password-missing' });
    const next = await renderMessage(compiled, recipient({ custom: { id_last4: '1234' } }), tracking);
    expect(next.attachmentNames).toHaveLength(1);
  });
});

describe('QR codes and barcodes', () => {
  const html = '<html><body><p>Your code</p>{% qrcode custom.coupon_url %}{% barcode custom.ean, "ean13" %}{% barcode custom.member_no | upcase %}</body></html>';
  const fields = { custom: { coupon_url: 'https://shop.example.com/c/ABC123', ean: '4006381333931', member_no: 'm-000123' } };

  it('embeds each code as an inline PNG referenced by CID from the HTML', async () => {
    const { message, parsed } = await render({ html }, fields, { ...tracking, openPixelUrl: undefined });
    const images = parsed.attachments.filter((a) => a.contentType === 'image/png');
    expect(images).toHaveLength(3);
    for (const image of images) {
      expect([...Buffer.from(image.content).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      expect(image.related).toBe(true);
      expect(message.html).toContain(`src="cid:${image.cid}"`);
    }
    expect(message.html).toContain('alt="M-000123"');
    expect(Buffer.from(message.raw).toString('latin1')).toContain('Content-Type: multipart/related;');
  });

  it('links to the code image URL instead when the tracking service serves them', async () => {
    const codeImageUrl = (kind: string, value: string) => `https://t.example.com/code/${kind}/${encodeURIComponent(value)}.png`;
    const { message, parsed } = await render({ html }, fields, { ...tracking, codeImageUrl });
    expect(parsed.attachments).toHaveLength(0);
    expect(message.html).toContain('src="https://t.example.com/code/qr/https%3A%2F%2Fshop.example.com%2Fc%2FABC123.png"');
    expect(message.html).toContain('src="https://t.example.com/code/ean13/4006381333931.png"');
    expect(Buffer.from(message.raw).toString('latin1')).not.toContain('multipart/related');
  });

  it('fails the recipient whose EAN-13 value is invalid', async () => {
    const failure = render({ html }, { custom: { ...fields.custom, ean: '4006381333932' } });
    await expect(failure).rejects.toBeInstanceOf(RecipientRenderError);
    await expect(failure).rejects.toMatchObject({ code: 'code.invalid', message: expect.stringContaining('check digit should be 1') });
  });

  it('draws PNGs by kind and refuses values a code cannot hold', async () => {
    for (const [kind, value] of [['qr', 'https://example.com/?q=會員'], ['code128', 'ABC-123'], ['ean13', '400638133393']] as const) {
      expect([...(await codeImagePng(kind, value)).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    }
    await expect(codeImagePng('ean13', '4006381333932')).rejects.toBeInstanceOf(ValidationError);
    await expect(codeImagePng('ean13', '12345')).rejects.toThrow(/12 or 13 digits/);
    await expect(codeImagePng('code128', '會員')).rejects.toThrow(/ASCII/);
    await expect(codeImagePng('qr', '')).rejects.toThrow(/empty/);
  });
});
