/**
 * The shell of every public tracking page: one self-contained HTML document (inline CSS, no
 * scripts, fonts or images from elsewhere), readable on a phone, not indexed, sending no referrer.
 *
 * Markup is built with the `html` tagged template: every interpolated value is HTML-escaped
 * unless it is itself `html` output (SafeHtml) or an array of it, so a contact's name or a
 * campaign name cannot inject markup. Attribute values are always double-quoted.
 */
import type { PageLanguage } from './language';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

/** Markup that is already safe (built by `html`); anything else interpolated is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v)).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * A form action or link target: an absolute http(s) URL or a same-origin path. Anything else
 * (javascript:, data:, protocol-relative //host) is a programming error and throws.
 */
export function checkedUrl(url: string): string {
  if (/^https?:\/\/[^\s/?#]+/i.test(url) || /^\/(?![/\\])/.test(url)) {
    if ([...url].some((c) => c <= ' ' || c === '\u007f')) throw new TypeError('A page URL may not contain whitespace or control characters');
    return url;
  }
  throw new TypeError('A page URL must be an absolute http(s) URL or a path starting with /');
}

/** Only PNG, GIF, JPEG or WebP data URIs (a CAPTCHA image); SVG could carry script. */
export function checkedImageDataUri(uri: string): string {
  if (/^data:image\/(?:png|gif|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/.test(uri)) return uri;
  throw new TypeError('The image must be a base64 PNG, GIF, JPEG or WebP data URI');
}

function formActionSources(actions: readonly string[]): string {
  const origins = new Set<string>(["'self'"]);
  for (const action of actions) {
    if (/^https?:\/\//i.test(action)) origins.add(new URL(action).origin);
  }
  return [...origins].join(' ');
}

const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#f3f4f6;color:#1f2937;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif}
main{max-width:34rem;margin:0 auto;padding:1.5rem 1rem 3rem}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:.75rem;padding:1.5rem 1.25rem}
h1{font-size:1.375rem;line-height:1.35;margin:0 0 .75rem}
p{margin:0 0 1rem}
.muted{color:#4b5563;font-size:.9375rem}
fieldset{border:0;margin:0 0 1.25rem;padding:0;min-width:0}
legend{font-weight:600;margin-bottom:.5rem;padding:0}
label{display:block;font-weight:600;margin-bottom:.25rem}
.field{margin-bottom:1.25rem}
.choice{display:flex;gap:.625rem;align-items:flex-start;font-weight:400;margin:.375rem 0;cursor:pointer}
.choice input{margin:.3rem 0 0;width:1.125rem;height:1.125rem;flex:none}
.choice.disabled{color:#6b7280;cursor:default}
.indent{margin-left:1.75rem}
input[type=text],input[type=email],textarea{display:block;width:100%;font:inherit;color:inherit;background:#fff;border:1px solid #9ca3af;border-radius:.5rem;padding:.625rem .75rem}
textarea{min-height:8rem;resize:vertical}
input:focus,textarea:focus,button:focus{outline:3px solid #2563eb;outline-offset:2px}
[aria-invalid=true]{border-color:#b91c1c}
.error{color:#b91c1c;font-size:.9375rem;margin:.25rem 0 0}
.alert{border:1px solid #b91c1c;background:#fef2f2;color:#7f1d1d;border-radius:.5rem;padding:.75rem 1rem;margin-bottom:1.25rem}
.hint{color:#4b5563;font-size:.875rem;font-weight:400;margin:.125rem 0 .375rem}
.captcha img{display:block;border:1px solid #d1d5db;border-radius:.375rem;margin:.25rem 0 .5rem;max-width:100%;height:auto}
button{display:inline-block;min-height:2.75rem;font:inherit;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:.5rem;padding:.625rem 1.5rem;cursor:pointer}
button:hover{background:#1e40af}
button.secondary{color:#1d4ed8;background:#fff;border:1px solid #1d4ed8}
ul{padding-left:1.25rem;margin:0 0 1rem}
@media (max-width:30rem){main{padding:.75rem .5rem 2rem}.card{padding:1.25rem 1rem}button{width:100%}}
`
  .trim()
  .replace(/\n/g, '');

export interface LayoutOptions {
  readonly lang: PageLanguage;
  readonly title: string;
  readonly body: SafeHtml;
  /** The form actions on the page, allowed by the page's Content-Security-Policy form-action. */
  readonly formActions?: readonly string[];
}

/** One complete HTML document. */
export function layout({ lang, title, body, formActions = [] }: LayoutOptions): string {
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action ${formActionSources(formActions)}`;
  return (
    '<!DOCTYPE html>\n' +
    html`<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${title}</title>
<style>${new SafeHtml(CSS)}</style>
</head>
<body>
<main>
<div class="card">
${body}
</div>
</main>
</body>
</html>
`.value
  );
}
