import { strToU8, zipSync, type Zippable } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { unpackEdmZip, type EdmZipLimits } from '../../shared/content';
import { ValidationError } from '../../shared/errors';
import { MemoryBlobStore } from '../fixtures/content/memory-blob-store';

const prefix = 'edm/ws1/c1/u1/';
const assetsBaseUrl = 'https://assets.example.com';
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

async function unpack(files: Zippable, limits?: EdmZipLimits) {
  const sink = new MemoryBlobStore();
  const result = await unpackEdmZip(zipSync(files), { sink, prefix, assetsBaseUrl, ...(limits ? { limits } : {}) });
  return { ...result, sink };
}

async function refusal(zip: Uint8Array, limits?: EdmZipLimits): Promise<ValidationError> {
  const sink = new MemoryBlobStore();
  try {
    await unpackEdmZip(zip, { sink, prefix, assetsBaseUrl, ...(limits ? { limits } : {}) });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect(sink.objects.size).toBe(0); // refused whole: nothing written
    return error as ValidationError;
  }
  throw new Error('the archive was accepted');
}

const page = (body: string): Uint8Array => strToU8(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`);

describe('unpacking an EDM archive', () => {
  it('uploads every file and rewrites relative references to public URLs', async () => {
    const html = page(
      '<table><tr><td background="img/bg.jpg"><img src="images/a b.png" alt=""><img src=\'./images/春季.png\'>' +
        '<div style="background:url(\'images/bg.png\')">x</div><p style="background-image: url(../newsletter/images/bg.png)">y</p>' +
        '<a href="page2.html?from=mail#top">more</a><a href="https://shop.example.com/">shop</a><a href="mailto:a@example.com">mail</a>' +
        '<a href="#top">top</a><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><img src="{{ custom.banner }}"><img src="//cdn.example.com/x.png">' +
        '</td></tr></table><style>.hero{background:url("images/a%20b.png")}</style>',
    );
    const { html: out, entry, files, warnings, sink } = await unpack({
      newsletter: {
        'index.html': html,
        'page2.html': page('<p>2</p>'),
        images: { 'a b.png': png, '春季.png': png, 'bg.png': png },
        img: { 'bg.jpg': png },
        'style.css': strToU8('p{}'),
      },
    });
    const base = `${assetsBaseUrl}/edm/ws1/c1/u1/newsletter`;
    expect(entry).toBe('newsletter/index.html');
    expect(out).toContain(`background="${base}/img/bg.jpg"`);
    expect(out).toContain(`<img src="${base}/images/a%20b.png" alt="">`);
    expect(out).toContain(`<img src="${base}/images/%E6%98%A5%E5%AD%A3.png">`);
    expect(out).toContain(`background:url(${base}/images/bg.png)`);
    expect(out).toContain(`background-image: url(${base}/images/bg.png)`);
    expect(out).toContain(`.hero{background:url(${base}/images/a%20b.png)}`);
    expect(out).toContain(`<a href="${base}/page2.html?from=mail#top">`);
    for (const untouched of ['https://shop.example.com/', 'mailto:a@example.com', '#top', 'data:image/gif;base64,R0lGODlhAQABAAAAACw=', '{{ custom.banner }}', '//cdn.example.com/x.png']) {
      expect(out).toContain(`"${untouched}"`);
    }
    expect(files).toEqual(['newsletter/images/a b.png', 'newsletter/images/bg.png', 'newsletter/images/春季.png', 'newsletter/img/bg.jpg', 'newsletter/page2.html', 'newsletter/style.css']);
    expect(sink.objects.get(`${prefix}newsletter/images/春季.png`)).toEqual({ body: png, contentType: 'image/png' });
    expect(sink.objects.get(`${prefix}newsletter/img/bg.jpg`)?.contentType).toBe('image/jpeg');
    expect(sink.objects.get(`${prefix}newsletter/style.css`)?.contentType).toBe('text/css');
    expect(sink.objects.has(`${prefix}newsletter/index.html`)).toBe(false);
    expect(warnings).toEqual(['The archive has 2 HTML files; newsletter/index.html was used as the message.']);
  });

  it('warns about references to files the archive does not have', async () => {
    const { html, warnings } = await unpack({ 'index.html': page('<img src="images/missing.png"><img src="logo.png">'), 'logo.png': png });
    expect(html).toContain('<img src="images/missing.png">');
    expect(html).toContain(`<img src="${assetsBaseUrl}/${prefix}logo.png">`);
    expect(warnings).toEqual(['"images/missing.png" (in index.html) is not in the archive; the reference was left as it is.']);
  });

  it('ignores macOS metadata and dotfiles', async () => {
    const { files } = await unpack({ 'index.html': page('x'), '__MACOSX/._index.html': strToU8('junk'), '.DS_Store': strToU8('junk'), images: { '.hidden.png': png, 'ok.png': png } });
    expect(files).toEqual(['images/ok.png']);
  });

  it('decodes a Big5 page by its meta charset', async () => {
    const big5 = iconv.encode('<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head><body><p>親愛的會員您好</p></body></html>', 'big5');
    const { html } = await unpack({ 'index.htm': big5 });
    expect(html).toContain('<p>親愛的會員您好</p>');
  });

  it('picks index.html nearest the top, else the only page, else the shallowest', async () => {
    expect((await unpack({ 'a/b/index.html': page('deep'), 'a/index.htm': page('top'), 'other.html': page('o') })).entry).toBe('a/index.htm');
    const only = await unpack({ 'mail/spring.html': page('s'), 'mail/logo.png': png });
    expect(only.entry).toBe('mail/spring.html');
    expect(only.warnings).toEqual([]);
    expect((await unpack({ 'x/b.html': page('b'), 'a.html': page('a') })).entry).toBe('a.html');
  });

  it('refuses an archive without an HTML page', async () => {
    const error = await refusal(zipSync({ 'logo.png': png }));
    expect(error.message).toMatch(/no HTML file/);
  });

  it('refuses something that is not a ZIP archive', async () => {
    const error = await refusal(strToU8('<html>not a zip</html>'));
    expect(error.message).toBe('The file is not a ZIP archive.');
  });
});

describe('hostile archives', () => {
  it.each([
    ['../evil.html', /points outside the archive/],
    ['images/../../evil.png', /points outside the archive/],
    ['..\\..\\windows\\evil.png', /points outside the archive/],
    ['/etc/cron.d/evil', /absolute path/],
    ['C:/Windows/evil.dll', /absolute path/],
    ['C:\\Windows\\evil.dll', /absolute path/],
  ])('refuses the entry %s, naming it', async (name, reason) => {
    const error = await refusal(zipSync({ 'index.html': page('x'), [name]: png }));
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(name);
    expect(error.errors[0]?.field).toBe(`file.${name}`);
  });

  it('refuses a zip bomb by its compression ratio before inflating it', async () => {
    const error = await refusal(zipSync({ 'index.html': page('x'), 'zeros.bin': new Uint8Array(20 * 1024 * 1024) }, { level: 9 }));
    expect(error.message).toMatch(/"zeros\.bin" expands \d+ times when unpacked, which looks like a zip bomb/);
  });

  it('refuses an archive over the total size limit, by the sizes it declares', async () => {
    const error = await refusal(zipSync({ 'index.html': page('x'), 'big.png': new Uint8Array(4096).map((_, i) => (i * 7919) % 251) }, { level: 0 }), { maxTotalBytes: 4000 });
    expect(error.message).toMatch(/^The archive unpacks to 4\.\d KB; at most 3\.9 KB is accepted\.$/);
  });

  it('stops inflating an entry that produces more than it declared', async () => {
    const zip = zipSync({ 'index.html': page('x'), 'liar.txt': strToU8('a'.repeat(50_000)) });
    declareSize(zip, 'liar.txt', 100);
    const error = await refusal(zip);
    expect(error.message).toBe('liar.txt inflates to more than the archive says or than allowed.');
  });

  it('refuses more entries than allowed (2,000 by default)', async () => {
    const many: Zippable = { 'index.html': page('x') };
    for (let i = 0; i < 2000; i++) many[`img/${i}.png`] = png;
    const error = await refusal(zipSync(many));
    expect(error.message).toBe('The archive has 2001 entries; at most 2000 are accepted.');
    const few = await refusal(zipSync({ 'index.html': page('x'), 'a.png': png, 'b.png': png }), { maxEntries: 2 });
    expect(few.message).toBe('The archive has 3 entries; at most 2 are accepted.');
  });
});

/** Rewrites an entry's declared uncompressed size in both its local and central headers. */
function declareSize(zip: Uint8Array, name: string, size: number): void {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const wanted = strToU8(name);
  for (let at = 0; at + 4 <= zip.length; at++) {
    const signature = view.getUint32(at, true);
    const [nameAt, sizeAt] = signature === 0x04034b50 ? [30, 22] : signature === 0x02014b50 ? [46, 24] : [0, 0];
    if (!nameAt) continue;
    const length = view.getUint16(at + (signature === 0x04034b50 ? 26 : 28), true);
    if (length === wanted.length && zip.subarray(at + nameAt, at + nameAt + length).every((b, i) => b === wanted[i])) view.setUint32(at + sizeAt, size, true);
  }
}
