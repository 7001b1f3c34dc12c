/**
 * presendCheck: what a careful sender looks at before pressing Send — template errors, the
 * unsubscribe link, image-only mail, size limits, the sender's domain, unknown merge fields,
 * insecure links and characters the chosen charset would lose. Never throws for bad content.
 */
import { mailCharsets, type CampaignContent } from '../campaigns/model';
import { unencodableChars } from './charset';
import { compileMessage, parseContent, type ParsedContent } from './compile';
import { RecipientRenderError } from './errors';
import { liquid } from './liquid-engine';
import { renderRecipient } from './render';
import type { CompileContext, PresendFinding, RenderedMessage } from './render-types';

export interface PresendOptions {
  /** Domains (or single addresses) verified with SES; without it the sender is not checked. */
  readonly verifiedDomains?: readonly string[];
  /** Field names merge tags may use: standard ones by name, custom ones as `custom.<name>`. */
  readonly knownFields?: readonly string[];
}

/** SES v2 refuses messages over 10 MB (after encoding); Gmail clips HTML over 102 KB. */
const SES_MAX_BYTES = 10 * 1024 * 1024;
const GMAIL_CLIP_BYTES = 102 * 1024;
const MIN_TEXT_WITH_IMAGES = 100;
const PDF_ESTIMATE_BYTES = 8 * 1024;
const standardVariables = new Set(['email', 'unsubscribe_url', 'forward_url', 'comment_url', 'subscribe_url', 'preheader']);

export async function presendCheck(content: CampaignContent, ctx: CompileContext, options: PresendOptions = {}): Promise<PresendFinding[]> {
  const findings: PresendFinding[] = [];
  const add = (code: string, severity: PresendFinding['severity'], message: string): void => {
    findings.push({ code, severity, message });
  };

  const { parsed, issues } = parseContent(content, ctx.assetsBaseUrl);
  for (const issue of issues) add('template.invalid', 'error', `The template in ${issue.field} has a syntax error: ${issue.message}.`);

  checkSender(content, options.verifiedDomains, add);
  checkCharset(content, add);
  checkInsecureLinks(content.html, add);
  if (parsed && options.knownFields) checkMergeFields(parsed, options.knownFields, add);
  if (!hasUnsubscribe(content, parsed)) {
    add(
      'unsubscribe.missing',
      'warning',
      'The message has no unsubscribe link. A List-Unsubscribe header is always added, but recipients also expect a visible link: add {{ unsubscribe_url }}.',
    );
  }
  if (!parsed || !mailCharsets.includes(content.charset)) return findings;

  const sample = await renderSample(content, ctx);
  if (!sample) return findings;
  checkSize(content, sample, add);
  checkText(sample, add);
  return findings;
}

type Add = (code: string, severity: PresendFinding['severity'], message: string) => void;

function checkSender(content: CampaignContent, verified: readonly string[] | undefined, add: Add): void {
  if (!verified) return;
  const address = content.fromEmail.trim().toLowerCase();
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const ok = verified.some((entry) => {
    const identity = entry.trim().toLowerCase();
    // SES: a verified domain covers its subdomains; an identity may also be one address.
    return identity === address || identity === domain || domain.endsWith(`.${identity}`);
  });
  if (!ok) add('sender.unverified', 'error', `The sender domain ${domain} is not verified for sending; verify it or send from a verified domain.`);
}

function checkCharset(content: CampaignContent, add: Add): void {
  if (!mailCharsets.includes(content.charset)) {
    add('charset.unsupported', 'error', `The charset ${String(content.charset)} is not supported; use one of ${mailCharsets.join(', ')}.`);
    return;
  }
  const fields: [string, string | undefined][] = [
    ['content.subject', content.subject],
    ['content.preheader', content.preheader],
    ['content.fromName', content.fromName],
    ['content.toName', content.toName],
    ['content.html', content.html],
    ['content.text', content.text],
    ...content.attachments.map((a, i): [string, string] => [`content.attachments.${i}.name`, a.name]),
  ];
  const lost = new Map<string, Set<string>>();
  for (const [field, source] of fields) {
    for (const char of unencodableChars(source ?? '', content.charset)) {
      const where = lost.get(char) ?? new Set();
      where.add(field);
      lost.set(char, where);
    }
  }
  if (!lost.size) return;
  const chars = [...lost.keys()];
  const listed = chars
    .slice(0, 10)
    .map((c) => `${c} (U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`)
    .join(', ');
  const more = chars.length > 10 ? ` and ${chars.length - 10} more` : '';
  const where = [...new Set([...lost.values()].flatMap((s) => [...s]))].join(', ');
  add(
    'charset.lossy',
    'error',
    `The charset ${content.charset} cannot encode ${listed}${more} (in ${where}); they would arrive as "?". Replace them or send in UTF-8.`,
  );
}

const INSECURE = /\b(?:href|src|background)\s*=\s*["']?(http:\/\/[^\s"'<>]+)/gi;

function checkInsecureLinks(html: string, add: Add): void {
  const urls = [...new Set([...html.matchAll(INSECURE)].map((m) => m[1] as string))];
  if (!urls.length) return;
  const listed = urls.slice(0, 3).join(', ') + (urls.length > 3 ? ` and ${urls.length - 3} more` : '');
  add('link.insecure', 'warning', `${urls.length === 1 ? 'A link uses' : `${urls.length} links use`} http:// instead of https:// (${listed}); mail clients may warn readers or block images.`);
}

function checkMergeFields(parsed: ParsedContent, knownFields: readonly string[], add: Add): void {
  const known = new Set(knownFields);
  const templates = [parsed.subject, parsed.preheader, parsed.fromName, parsed.toName, parsed.html, parsed.text, ...parsed.attachments.flatMap((a) => (a.kind === 'pdf' ? [a.name, a.body] : [a.name]))];
  const unknown = new Set<string>();
  for (const template of templates) {
    if (!template) continue;
    for (const segments of liquid.globalVariableSegmentsSync(template)) {
      const [root, child] = segments;
      if (typeof root !== 'string' || standardVariables.has(root) || known.has(root)) continue;
      if (root === 'custom' && typeof child === 'string' && known.has(`custom.${child}`)) continue;
      unknown.add(root === 'custom' && typeof child === 'string' ? `custom.${child}` : root);
    }
  }
  if (!unknown.size) return;
  const names = [...unknown].map((n) => `{{ ${n} }}`).join(', ');
  add('merge.unknown', 'warning', `The merge ${unknown.size === 1 ? 'field' : 'fields'} ${names} ${unknown.size === 1 ? 'is' : 'are'} not a known contact field and will render empty.`);
}

const UNSUBSCRIBE_WORDS = /unsubscribe|opt[- ]?out|取消訂閱|取消订阅|退訂|退订|配信停止|수신거부/i;
const ANCHOR_ELEMENT = /<a\b[^>]*>[\s\S]*?<\/a\s*>/gi;

function hasUnsubscribe(content: CampaignContent, parsed: ParsedContent | undefined): boolean {
  const uses = (template: ParsedContent['html'] | undefined): boolean => !!template && liquid.globalVariableSegmentsSync(template).some((s) => s[0] === 'unsubscribe_url');
  const tagged = parsed ? uses(parsed.html) || uses(parsed.text) : /unsubscribe_url/.test(`${content.html}${content.text ?? ''}`);
  return tagged || [...content.html.matchAll(ANCHOR_ELEMENT)].some((m) => UNSUBSCRIBE_WORDS.test(m[0]));
}

async function renderSample(content: CampaignContent, ctx: CompileContext): Promise<RenderedMessage | undefined> {
  try {
    const compiled = compileMessage(content, ctx);
    return await renderRecipient(compiled, { email: 'recipient@example.com', fields: {} }, { unsubscribeUrl: 'https://example.com/unsubscribe', date: new Date(0) }, { sample: true });
  } catch (error) {
    // A sample with empty fields can trip a filter; the render-based checks are then skipped.
    if (error instanceof RecipientRenderError) return undefined;
    throw error;
  }
}

function checkSize(content: CampaignContent, sample: RenderedMessage, add: Add): void {
  const attached = content.attachments.reduce((sum, a) => {
    if (a.kind === 'pdf') return sum + PDF_ESTIMATE_BYTES;
    return a.asLink ? sum : sum + Math.ceil((a.size * 4) / 3) + Math.ceil(a.size / 57) * 2;
  }, 0);
  const total = sample.sizeBytes + attached;
  if (total > SES_MAX_BYTES) {
    add('size.large', 'error', `The message would be about ${megabytes(total)} MB; Amazon SES accepts at most 10 MB. Send large files as download links.`);
  }
  const htmlBytes = Buffer.byteLength(sample.html);
  if (htmlBytes > GMAIL_CLIP_BYTES) {
    add('size.large', 'warning', `The HTML is ${Math.round(htmlBytes / 1024)} KB; Gmail clips messages over 102 KB and hides the rest (including the unsubscribe link).`);
  }
}

function checkText(sample: RenderedMessage, add: Add): void {
  const visible = sample.text.replace(/\[[^\]]*\]/g, '').replace(/https?:\/\/\S+/g, '').replace(/\s+/g, '');
  const images = (sample.html.match(/<img\b/gi) ?? []).length;
  if (!visible) add('text.missing', 'warning', 'The plain-text version of the message is empty; give the HTML some text or write the text version yourself.');
  if (images > 0 && visible.length < MIN_TEXT_WITH_IMAGES) {
    add('images.only', 'warning', `The message is mostly images with little text (${visible.length} characters); spam filters distrust it and readers who block images see nothing.`);
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
