/**
 * compileMessage: everything about a campaign's content that is the same for every recipient,
 * done once per run: each Liquid template parsed, the text part's template derived from the HTML,
 * attachment bytes read once and kept transfer-encoded.
 */
import type { Template } from 'liquidjs';
import { mailCharsets, type CampaignContent, type MailCharset } from '../campaigns/model';
import { ValidationError } from '../errors';
import { markHtmlTemplate, setMetaCharset } from './html-transform';
import { parseTemplate, type TemplateIssue } from './liquid-engine';
import { base64Lines } from './mime-encoding';
import { textTemplateFromHtml } from './plain-text';
import type { CompileContext } from './render-types';

export type CompiledAttachment =
  | {
      readonly kind: 'file';
      readonly key: string;
      readonly name: Template[];
      readonly contentType: string;
      /** Sent as a download link instead of attached. */
      readonly asLink: boolean;
      readonly url: string;
    }
  | { readonly kind: 'pdf'; readonly name: Template[]; readonly body: Template[]; readonly passwordField?: string };

/** Every template of the content, parsed. */
export interface ParsedContent {
  readonly subject: Template[];
  readonly preheader?: Template[];
  readonly fromName?: Template[];
  readonly toName?: Template[];
  readonly html: Template[];
  /** The campaign's own text part. */
  readonly text?: Template[];
  readonly attachments: readonly CompiledAttachment[];
}

/** The result of compileMessage; treat as opaque and hand it to renderMessage. */
export interface CompiledMessage extends ParsedContent {
  readonly content: CampaignContent;
  readonly charset: MailCharset;
  /** The text part derived from the HTML template; undefined means: convert each recipient's HTML. */
  readonly textFromHtml?: Template[];
  /** Base64 bodies of attached files by asset key, read on first use. */
  readonly attachmentBodies: Map<string, Promise<Uint8Array>>;
  readonly readAsset: (key: string) => Promise<Uint8Array>;
  readonly pdfFont?: Uint8Array;
  /** Right-hand side of Message-IDs: the sender's domain. */
  readonly messageIdDomain: string;
}

/** Parses every template of the content, collecting each syntax error with the field it is in. */
export function parseContent(content: CampaignContent, assetsBaseUrl: string): { parsed?: ParsedContent; issues: TemplateIssue[] } {
  const issues: TemplateIssue[] = [];
  const parse = (field: string, source: string): Template[] => {
    const result = parseTemplate(`content.${field}`, source);
    if ('issue' in result) {
      issues.push(result.issue);
      return [];
    }
    return result.template;
  };
  const optional = (field: string, source: string | undefined): Template[] | undefined => (source === undefined ? undefined : parse(field, source));
  // Marked where each recipient's HTML will be edited (links, body start and end).
  const html = markHtmlTemplate(setMetaCharset(content.html, content.charset));
  const parsed: ParsedContent = {
    subject: parse('subject', content.subject),
    preheader: optional('preheader', content.preheader),
    fromName: optional('fromName', content.fromName),
    toName: optional('toName', content.toName),
    html: parse('html', html),
    text: optional('text', content.text),
    attachments: content.attachments.map((spec, i): CompiledAttachment => {
      const name = parse(`attachments.${i}.name`, spec.name);
      if (spec.kind === 'pdf') return { kind: 'pdf', name, body: parse(`attachments.${i}.template`, spec.template), ...(spec.passwordField ? { passwordField: spec.passwordField } : {}) };
      return { kind: 'file', key: spec.key, name, contentType: spec.contentType || 'application/octet-stream', asLink: spec.asLink === true, url: assetUrl(assetsBaseUrl, spec.key) };
    }),
  };
  return issues.length ? { issues } : { parsed, issues };
}

export function compileMessage(content: CampaignContent, ctx: CompileContext): CompiledMessage {
  if (!mailCharsets.includes(content.charset)) {
    throw new ValidationError(`Unsupported charset ${String(content.charset)}`, [{ field: 'content.charset', message: `Use one of ${mailCharsets.join(', ')}.` }]);
  }
  const at = content.fromEmail.lastIndexOf('@');
  if (at < 1 || at === content.fromEmail.length - 1) {
    throw new ValidationError('The sender address is not an e-mail address', [{ field: 'content.fromEmail', message: 'Give an address such as news@example.com.' }]);
  }
  const { parsed, issues } = parseContent(content, ctx.assetsBaseUrl);
  if (!parsed) {
    const [first] = issues;
    const detail = issues.length === 1 && first ? `The template in ${first.field} is invalid: ${first.message}` : `${issues.length} templates are invalid: ${issues.map((i) => i.field).join(', ')}`;
    throw new ValidationError(detail, issues);
  }
  const textFromHtml = content.text === undefined ? textTemplateFromHtml(setMetaCharset(content.html, content.charset)) : undefined;
  return {
    ...parsed,
    content,
    charset: content.charset,
    ...(textFromHtml ? { textFromHtml } : {}),
    attachmentBodies: new Map(),
    readAsset: ctx.readAsset,
    ...(ctx.pdfFont ? { pdfFont: ctx.pdfFont } : {}),
    messageIdDomain: content.fromEmail.slice(at + 1).toLowerCase(),
  };
}

/** An attached file's base64 body: read and encoded once, then shared by every recipient. */
export function attachmentBody(compiled: CompiledMessage, key: string): Promise<Uint8Array> {
  let body = compiled.attachmentBodies.get(key);
  if (!body) {
    body = compiled.readAsset(key).then((bytes) => base64Lines(bytes));
    // A failed read is not remembered: the next recipient (or the retried batch) tries again.
    body.catch(() => compiled.attachmentBodies.delete(key));
    compiled.attachmentBodies.set(key, body);
  }
  return body;
}

/** Public URL of an object in the assets bucket, each path segment URL-encoded. */
export function assetUrl(baseUrl: string, key: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
