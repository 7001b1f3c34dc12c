/**
 * renderMessage: one recipient's message from a compiled campaign, as the exact MIME bytes SES
 * sends. Runs 100,000 times a run, so it only renders parsed templates and edits strings.
 */
import { randomUUID } from 'node:crypto';
import type { FrozenRecipient } from '../audience/types';
import type { MailCharset } from '../campaigns/model';
import { encodeCharset, encodeHtml } from './charset';
import type { Template } from 'liquidjs';
import { attachmentParts, downloadsHtml, downloadsText } from './attachment-parts';
import { CodeCollector } from './code-collector';
import type { CompiledMessage } from './compile';
import { appendToBody, finishHtml, LinkMap, markHtmlTemplate, openPixel, preheaderSpan } from './html-transform';
import { codeSinkKey, renderField, type RenderScope } from './liquid-engine';
import { chooseEncoding, encodeBody, formatAddress, headerLine, mailDate, sevenBit, type TransferEncoding } from './mime-encoding';
import { writeMessage, type MimeLeaf, type MimeNode } from './mime-message';
import { finishText, htmlToPlainText } from './plain-text';
import type { RenderedMessage, RenderExtras } from './render-types';

/** How the pre-send check renders its sample: no attachments made, no code values judged. */
export interface RenderOptions {
  readonly sample?: boolean;
}

export function renderMessage(compiled: CompiledMessage, recipient: FrozenRecipient, extras: RenderExtras = {}): Promise<RenderedMessage> {
  return renderRecipient(compiled, recipient, extras, {});
}

export async function renderRecipient(compiled: CompiledMessage, recipient: FrozenRecipient, extras: RenderExtras, options: RenderOptions): Promise<RenderedMessage> {
  const messageId = randomUUID();
  // Boundaries and content IDs: unique per message, and a UUID costs less than fresh random bytes.
  const key = messageId.replaceAll('-', '');
  const sample = options.sample === true;
  const htmlCodes = new CodeCollector('html', key, extras.codeImageUrl, sample);
  // The text part cannot carry an image: it links to the hosted code image when one is served.
  const textCodes = new CodeCollector('text', key, extras.codeImageUrl ?? extras.textCodeImageUrl, sample);
  const pageUrls = { forward_url: extras.pageUrls?.forward ?? '', comment_url: extras.pageUrls?.comment ?? '', subscribe_url: extras.pageUrls?.subscribe ?? '' };
  const textScope: RenderScope = { ...recipient.fields, email: recipient.email, unsubscribe_url: extras.unsubscribeUrl ?? '', ...pageUrls, preheader: '', [codeSinkKey]: textCodes };
  const preheader = compiled.preheader ? oneLine(renderField('preheader', compiled.preheader, textScope)) : '';
  textScope.preheader = preheader;
  const htmlScope: RenderScope = { ...textScope, [codeSinkKey]: htmlCodes };

  const subject = oneLine(renderField('subject', compiled.subject, textScope));
  const fromName = compiled.fromName ? oneLine(renderField('fromName', compiled.fromName, textScope)) : '';
  const toName = compiled.toName ? oneLine(renderField('toName', compiled.toName, textScope)) : '';
  const attachmentNames = compiled.attachments.map((attachment, i) => {
    const name = oneLine(renderField(`attachments.${i}.name`, attachment.name, textScope)) || `attachment-${i + 1}`;
    return attachment.kind === 'pdf' && !/\.pdf$/i.test(name) ? `${name}.pdf` : name;
  });
  const downloads = compiled.attachments.flatMap((a, i) => (a.kind === 'file' && a.asLink ? [{ name: attachmentNames[i] as string, url: a.url }] : []));

  const links = new LinkMap();
  let html = renderField('html', compiled.html, htmlScope);
  // Download links go in before the tracking pass, so their clicks are counted too.
  if (downloads.length) html = appendToBody(html, downloadsHtml(downloads));
  const tracking = { rewrite: extras.rewriteLink, unsubscribeUrl: extras.unsubscribeUrl, links };
  const top = preheader ? preheaderSpan(preheader) : '';
  const bottom = extras.openPixelUrl ? openPixel(extras.openPixelUrl) : '';

  let text: string;
  if (compiled.text || compiled.textFromHtml) {
    html = finishHtml(html, { ...tracking, top, bottom });
    text = compiled.text ? renderField('text', compiled.text, textScope) : finishText(renderField('html', compiled.textFromHtml as Template[], textScope), links);
  } else {
    // The slow path: the text part converted from this recipient's HTML, before preheader and pixel.
    html = finishHtml(html, tracking);
    text = htmlToPlainText(html);
    if (top || bottom) html = finishHtml(markHtmlTemplate(html), { links, top, bottom });
  }
  if (downloads.length) text += `\n\n${finishText(downloadsText(downloads), links)}`;

  textCodes.assertValid();
  const [inlineImages, attached] = await Promise.all([htmlCodes.inlineParts(), sample ? [] : attachmentParts(compiled, recipient, textScope, attachmentNames)]);

  const charset = compiled.charset;
  const alternative: MimeNode = { multipart: 'alternative', parts: [textLeaf('text/plain', text, charset), textLeaf('text/html', html, charset)] };
  const related: MimeNode = inlineImages.length ? { multipart: 'related', parts: [alternative, ...inlineImages] } : alternative;
  const root: MimeNode = attached.length ? { multipart: 'mixed', parts: [related, ...attached] } : related;

  const from = formatAddress(fromName, compiled.content.fromEmail, charset);
  const to = formatAddress(toName, recipient.email, charset);
  const raw = writeMessage(headers(compiled, extras, { subject, from, to, messageId }), root, key);
  return {
    raw,
    subject,
    from: fromName ? `${fromName} <${compiled.content.fromEmail}>` : compiled.content.fromEmail,
    to: toName ? `${toName} <${recipient.email}>` : recipient.email,
    charset,
    html,
    text,
    attachmentNames: attachmentNames.filter((_, i) => {
      const a = compiled.attachments[i];
      return !(a?.kind === 'file' && a.asLink);
    }),
    sizeBytes: raw.byteLength,
  };
}

const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();

function headers(compiled: CompiledMessage, extras: RenderExtras, names: { subject: string; from: string; to: string; messageId: string }): string[] {
  const charset = compiled.charset;
  const lines = new Map<string, string>();
  const set = (name: string, line: string): void => {
    lines.set(name.toLowerCase(), line);
  };
  set('From', headerLine('From', names.from, charset));
  set('To', headerLine('To', names.to, charset));
  const replyTo = compiled.content.replyTo ?? [];
  if (replyTo.length) set('Reply-To', headerLine('Reply-To', replyTo.join(', '), charset));
  set('Subject', headerLine('Subject', names.subject, charset));
  set('Date', `Date: ${mailDate(extras.date ?? new Date())}`);
  set('Message-ID', `Message-ID: <${names.messageId}@${compiled.messageIdDomain}>`);
  if (extras.unsubscribeUrl) {
    set('List-Unsubscribe', headerLine('List-Unsubscribe', `<${extras.unsubscribeUrl}>`, charset));
    set('List-Unsubscribe-Post', 'List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  }
  for (const [name, value] of Object.entries(extras.headers ?? {})) {
    if (!/^[!-9;-~]+$/.test(name)) throw new Error(`Invalid header name ${JSON.stringify(name)}`);
    set(name, headerLine(name, value, charset));
  }
  return [...lines.values()];
}

/** A text body in the campaign's charset with the transfer encoding that suits it. */
function textLeaf(type: 'text/plain' | 'text/html', content: string, charset: MailCharset): MimeLeaf {
  const contentType = `${type}; charset=${charset}`;
  if (charset === 'ISO-2022-JP') {
    // Japanese mail is 7bit by convention; a line we cannot bring under 998 octets goes base64.
    const bytes = encodeCharset(type === 'text/html' ? breakLongHtmlLines(content) : content, charset);
    const body = sevenBit(bytes);
    return body ? { contentType, encoding: '7bit', body } : { contentType, encoding: 'base64', body: encodeBody(bytes, 'base64') };
  }
  const bytes = type === 'text/html' ? encodeHtml(content, charset) : encodeCharset(content, charset);
  const encoding: TransferEncoding = chooseEncoding(bytes);
  return { contentType, encoding, body: encodeBody(bytes, encoding) };
}

/** Breaks long HTML lines inside tags (`<td\n>`), where a line break changes nothing. */
function breakLongHtmlLines(html: string): string {
  return html
    .split('\n')
    .map((line) => (line.length <= 200 ? line : line.replace(/(.{150,}?[^\s<-])>/g, '$1\n>')))
    .join('\n');
}
