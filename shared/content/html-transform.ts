/**
 * Per-recipient edits of rendered HTML, each one regular-expression pass (a 30 KB message is
 * edited 100,000 times a run, so no DOM): click-tracking links, the preheader, the open pixel.
 */

const ENTITY = /&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-f]+));/gi;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the entities that occur in URLs (`&amp;` above all). */
export function decodeAttribute(value: string): string {
  if (!value.includes('&')) return value;
  // The common case, `&amp;` between query parameters, without the general pattern.
  if (onlyAmp(value)) return value.replaceAll('&amp;', '&');
  return value.replace(ENTITY, (whole, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

function onlyAmp(value: string): boolean {
  for (let at = value.indexOf('&'); at !== -1; at = value.indexOf('&', at + 1)) {
    if (!value.startsWith('amp;', at + 1)) return false;
  }
  return true;
}

// Quotes of both kinds: a tracked URL may go back into a single-quoted attribute.
const HTML_SPECIAL = /[&<>"']/g;
const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  HTML_SPECIAL.lastIndex = 0;
  return HTML_SPECIAL.test(text) ? text.replace(HTML_SPECIAL, (c) => HTML_ESCAPES[c] as string) : text;
}

/** Which rewritten URL each original URL got, so the text part can show the same ones. */
export class LinkMap {
  private readonly rewritten = new Map<string, string[]>();

  add(original: string, tracked: string): void {
    const list = this.rewritten.get(original);
    if (list) list.push(tracked);
    else this.rewritten.set(original, [tracked]);
  }

  /** The tracked URL for the next occurrence of `original` (the last one again when they run out). */
  take(original: string): string {
    const list = this.rewritten.get(original);
    if (!list) return original;
    return list.length > 1 ? (list.shift() as string) : (list[0] as string);
  }
}

// Private-use characters marking, in the compiled HTML template, the places each recipient's
// HTML is edited: found again with one indexOf-style scan instead of parsing tags per recipient.
const LINK_OPEN = '\uE010';
const LINK_CLOSE = '\uE011';
const BODY_START = '\uE012';
const BODY_END = '\uE013';
const MARK = /[\uE010\uE012\uE013]/g;

const ANCHOR_TAG = /<a\b[^>]*>/gi;
const HREF = /(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
const NO_TRACK = /\sdata-pigeon-notrack\b/i;
const BODY_OPEN = /<body\b[^>]*>/i;
const BODY_CLOSE = /<\/body\s*>/gi;
const HTTP = /^https?:\/\//i;

/**
 * Marks a template (once, at compile): each `<a href>` value that may be tracked (not those with
 * `data-pigeon-notrack`), the start and the end of the body. finishHtml removes every mark.
 */
export function markHtmlTemplate(source: string): string {
  let marked = source.replace(ANCHOR_TAG, (tag) =>
    NO_TRACK.test(tag)
      ? tag
      : // The quotes stay as they were: the tag may sit inside a Liquid string literal.
        tag.replace(HREF, (_, start: string, dq?: string, sq?: string, bare?: string) => {
          const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : '';
          return `${start}${quote}${LINK_OPEN}${dq ?? sq ?? bare ?? ''}${LINK_CLOSE}${quote}`;
        }),
  );
  marked = marked.replace(BODY_OPEN, (tag) => tag + BODY_START);
  const closes = [...marked.matchAll(BODY_CLOSE)];
  const last = closes[closes.length - 1];
  return last ? `${marked.slice(0, last.index)}${BODY_END}${marked.slice(last.index)}` : marked;
}

/** Puts a marked fragment (download links) at the end of the body, before finishHtml tracks its links. */
export function appendToBody(html: string, fragment: string): string {
  const at = html.lastIndexOf(BODY_END);
  return at === -1 ? html + markHtmlTemplate(fragment) : html.slice(0, at) + markHtmlTemplate(fragment) + html.slice(at);
}

export interface HtmlEdits {
  /** Click tracking; without it links stay as they are. */
  readonly rewrite?: (url: string, linkIndex: number) => string;
  /** Never tracked: the one-click unsubscribe link must work as it is. */
  readonly unsubscribeUrl?: string;
  /** Receives each rewritten link. */
  readonly links: LinkMap;
  /** Inserted right after `<body …>` (first, in a fragment). */
  readonly top?: string;
  /** Inserted right before `</body>` (last, in a fragment). */
  readonly bottom?: string;
}

/**
 * One recipient's edits of the rendered (marked) HTML in one pass: each marked http(s) link
 * rewritten through `rewrite` (numbered 0, 1, … in document order) unless it is the unsubscribe
 * link; `top` and `bottom` put inside the body; the marks removed.
 */
export function finishHtml(html: string, edits: HtmlEdits): string {
  const { rewrite, unsubscribeUrl, links, top = '', bottom = '' } = edits;
  // Pieces joined once: a flat string, where `+=` would build a rope to flatten later.
  const out: string[] = [];
  let copied = 0;
  let index = 0;
  let topDone = false;
  let bottomDone = false;
  MARK.lastIndex = 0;
  for (let mark = MARK.exec(html); mark; mark = MARK.exec(html)) {
    const at = mark.index;
    out.push(html.slice(copied, at));
    copied = at + 1;
    if (mark[0] === BODY_START) {
      if (!topDone) out.push(top);
      topDone = true;
    } else if (mark[0] === BODY_END) {
      if (!bottomDone) out.push(bottom);
      bottomDone = true;
    } else {
      const close = html.indexOf(LINK_CLOSE, copied);
      if (close === -1) continue;
      const value = html.slice(copied, close);
      const url = decodeAttribute(value.trim());
      if (rewrite && HTTP.test(url) && url !== unsubscribeUrl) {
        const tracked = rewrite(url, index++);
        links.add(url, tracked);
        out.push(escapeHtml(tracked));
      } else out.push(value);
      copied = close + 1;
      MARK.lastIndex = copied;
    }
  }
  out.push(html.slice(copied));
  return (topDone ? '' : top) + out.join('') + (bottomDone ? '' : bottom);
}

/** The inbox shows the preheader next to the subject; the reader never sees it in the message. */
export function preheaderSpan(text: string): string {
  return (
    '<span style="display:none!important;visibility:hidden;mso-hide:all;font-size:1px;line-height:1px;' +
    `max-height:0;max-width:0;opacity:0;overflow:hidden;color:transparent">${escapeHtml(text)}</span>`
  );
}

export function openPixel(url: string): string {
  return `<img src="${escapeHtml(url)}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`;
}

const META_CHARSET = /(<meta\s+charset\s*=\s*["']?)([\w.:-]+)/gi;
const META_CONTENT_TYPE = /(<meta\b[^>]*?content\s*=\s*["'][^"']*?charset=)([\w.:-]+)/gi;

/** Makes the HTML's own charset declarations agree with the part's (an uploaded Big5 page sent as UTF-8). */
export function setMetaCharset(html: string, charset: string): string {
  return html.replace(META_CHARSET, `$1${charset}`).replace(META_CONTENT_TYPE, `$1${charset}`);
}
