/**
 * The plain-text part generated from the HTML with html-to-text.
 *
 * Converting each recipient's HTML costs milliseconds for 30 KB, too slow for 100,000 recipients. So we
 * convert the HTML *template* once: every Liquid tag and output is swapped for a marker, the
 * marked HTML is converted, and the markers are swapped back, giving a Liquid template of the text.
 * Link hrefs are marked too, so each recipient's text shows the same tracked URLs as their HTML.
 * When a structural tag is lost in conversion (an `{% if %}` inside an attribute), the compiled
 * message falls back to converting each recipient's HTML.
 */
import { compile } from 'html-to-text';
import { Tokenizer, TypeGuards, type Template } from 'liquidjs';
import { imageTags, liquid } from './liquid-engine';
import type { LinkMap } from './html-transform';

// No word wrap: the text template is wrapped before merge values and tracked URLs have their
// length, so wrapping would differ from converting the recipient's HTML. Mail clients wrap.
const converter = compile({
  wordwrap: false,
  selectors: [
    { selector: 'img', format: 'skip' },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});

// For PDFs: paragraphs without link URLs.
const paragraphConverter = compile({
  wordwrap: false,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { ignoreHref: true } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});

// Private-use characters: they pass through html-to-text untouched and never occur in mail.
const TOKEN_OPEN = '\uE000';
const TOKEN_CLOSE = '\uE001';
const LINK_OPEN = '\uE004';
const LINK_CLOSE = '\uE005';
const MARKER_CHARS = /[\uE000-\uE005]/;
const TOKEN_MARK = /\uE000(\d+)\uE001/g;

/** Paragraphs of an HTML document, unwrapped (for PDFs, which wrap lines themselves). */
export function htmlToParagraphs(html: string): string[] {
  return tidyText(paragraphConverter(html))
    .split(/\n{2,}/)
    .filter((paragraph) => paragraph.trim() !== '');
}

/** Blank lines a false `{% if %}` leaves behind, trailing spaces, a leading or closing gap. */
export function tidyText(text: string): string {
  return text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Converts one recipient's final HTML (the slow path). */
export function htmlToPlainText(html: string): string {
  return tidyText(converter(html));
}

const ANCHOR_HREF = /(<a\b[^>]*?\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;

/** Marks every href that is not an in-page `#anchor` (html-to-text leaves those out). */
function markHrefs(html: string): string {
  return html.replace(ANCHOR_HREF, (whole, start: string, dq?: string, sq?: string, bare?: string) => {
    const value = dq ?? sq ?? bare ?? '';
    if (!value || value.startsWith('#')) return whole;
    return `${start}"${LINK_OPEN}${value.replace(/"/g, '&quot;')}${LINK_CLOSE}"`;
  });
}

/** A Liquid template of the text part, or undefined when the HTML template does not allow one. */
export function textTemplateFromHtml(htmlSource: string): Template[] | undefined {
  if (MARKER_CHARS.test(htmlSource)) return undefined;
  const tokens = new Tokenizer(htmlSource).readTopLevelTokens(liquid.options);
  const sources: string[] = [];
  const structural: number[] = [];
  let marked = '';
  for (const token of tokens) {
    const source = htmlSource.slice(token.begin, token.end);
    if (TypeGuards.isHTMLToken(token)) {
      marked += source;
      continue;
    }
    const index = sources.length;
    const image = TypeGuards.isTagToken(token) && imageTags.has(token.name);
    sources.push(image ? '' : source);
    if (TypeGuards.isTagToken(token) && !image) structural.push(index);
    marked += `${TOKEN_OPEN}${index}${TOKEN_CLOSE}`;
  }
  const text = converter(markHrefs(marked));

  // Every structural tag must survive, once and in order, or the text template would mean
  // something else than the HTML one.
  const isStructural = new Set(structural);
  const seen: number[] = [];
  for (const match of text.matchAll(TOKEN_MARK)) {
    const index = Number(match[1]);
    if (isStructural.has(index)) seen.push(index);
  }
  if (seen.length !== structural.length || seen.some((index, i) => index !== structural[i])) return undefined;

  const source = text.replace(TOKEN_MARK, (_, index: string) => sources[Number(index)] ?? '');
  try {
    return liquid.parse(source);
  } catch {
    return undefined;
  }
}

/** Finishes a rendered text template: marked links become the recipient's tracked URLs. */
export function finishText(rendered: string, links: LinkMap): string {
  let out = '';
  let copied = 0;
  for (let open = rendered.indexOf(LINK_OPEN); open !== -1; open = rendered.indexOf(LINK_OPEN, copied)) {
    const close = rendered.indexOf(LINK_CLOSE, open);
    if (close === -1) break;
    const href = rendered.slice(open + 1, close).trim();
    if (!href || href.startsWith('#')) {
      // What html-to-text leaves out, brackets and all: an empty href (a test send has no
      // unsubscribe URL) or an in-page anchor.
      const bracketed = rendered.startsWith(' [', open - 2) && rendered[close + 1] === ']';
      out += rendered.slice(copied, bracketed ? open - 2 : open);
      copied = bracketed ? close + 2 : close + 1;
    } else {
      out += rendered.slice(copied, open) + links.take(href).replace(/^mailto:/i, '');
      copied = close + 1;
    }
  }
  return tidyText(out + rendered.slice(copied));
}

/** A download link as the text part shows it, resolved by finishText like any other link. */
export const markLink = (url: string): string => `${LINK_OPEN}${url}${LINK_CLOSE}`;
