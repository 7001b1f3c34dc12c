/**
 * What `{% qrcode %}` / `{% barcode %}` write while one recipient's message renders, and the
 * inline PNG parts (multipart/related, referenced by CID) they need afterwards.
 */
import { codeImagePng, codeProblem } from './codes';
import { RecipientRenderError } from './errors';
import { escapeHtml } from './html-transform';
import type { CodeSink } from './liquid-engine';
import { encodeBody } from './mime-encoding';
import type { MimeLeaf } from './mime-message';
import type { CodeKind } from './render-types';

/** PNGs of static codes (the same for every recipient) are kept a while; most codes are per recipient. */
const pngCache = new Map<string, Promise<Uint8Array>>();
const PNG_CACHE_SIZE = 200;

function cachedPng(kind: CodeKind, value: string): Promise<Uint8Array> {
  const cacheKey = `${kind}\u0000${value}`;
  let png = pngCache.get(cacheKey);
  if (!png) {
    png = codeImagePng(kind, value);
    png.catch(() => pngCache.delete(cacheKey));
    pngCache.set(cacheKey, png);
    if (pngCache.size > PNG_CACHE_SIZE) pngCache.delete(pngCache.keys().next().value as string);
  }
  return png;
}

/** Collects a render's `{% qrcode %}` / `{% barcode %}` values and says what each tag writes. */
export class CodeCollector implements CodeSink {
  private readonly inline = new Map<string, { kind: CodeKind; value: string; cid: string }>();
  private readonly problems: string[] = [];

  constructor(
    private readonly mode: 'html' | 'text',
    private readonly messageKey: string,
    private readonly imageUrl: ((kind: CodeKind, value: string) => string) | undefined,
    /** A sample render draws a placeholder code for whatever value the sample fields give. */
    private readonly sample: boolean,
  ) {}

  add(kind: CodeKind, rawValue: string): string {
    const value = this.sample ? sampleCodeValue[kind] : rawValue;
    const problem = codeProblem(kind, value);
    if (problem) {
      this.problems.push(problem);
      return '';
    }
    if (this.imageUrl) {
      const url = this.imageUrl(kind, value);
      return this.mode === 'html' ? codeImg(url, value) : url;
    }
    if (this.mode === 'text') return '';
    const cacheKey = `${kind}\u0000${value}`;
    let code = this.inline.get(cacheKey);
    if (!code) {
      code = { kind, value, cid: `code${this.inline.size + 1}.${this.messageKey}@pigeon` };
      this.inline.set(cacheKey, code);
    }
    return codeImg(`cid:${code.cid}`, value);
  }

  /** An invalid value (an EAN-13 with a wrong check digit) fails this recipient, not the batch. */
  assertValid(): void {
    if (this.problems.length) throw new RecipientRenderError('code.invalid', this.problems.join(' '));
  }

  async inlineParts(): Promise<MimeLeaf[]> {
    this.assertValid();
    return Promise.all(
      [...this.inline.values()].map(async ({ kind, value, cid }, i) => {
        const png = await cachedPng(kind, value);
        const fileName = `${kind}-${i + 1}.png`;
        return {
          contentType: `image/png; name="${fileName}"`,
          encoding: 'base64' as const,
          body: encodeBody(png, 'base64'),
          headers: [`Content-ID: <${cid}>`, `Content-Disposition: inline; filename="${fileName}"`],
        };
      }),
    );
  }
}

const sampleCodeValue: Readonly<Record<CodeKind, string>> = { qr: 'https://example.com/sample', code128: 'SAMPLE-0001', ean13: '4006381333931' };

function codeImg(src: string, value: string): string {
  return `<img src="${escapeHtml(src)}" alt="${escapeHtml(value)}" style="border:0;max-width:100%">`;
}
