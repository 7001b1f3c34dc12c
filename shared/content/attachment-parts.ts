/**
 * One recipient's attachments as MIME parts: uploaded files (bytes shared by every recipient),
 * per-recipient PDFs, and the download list that replaces files sent as links.
 */
import type { FrozenRecipient } from '../audience/types';
import { attachmentBody, type CompiledMessage } from './compile';
import { RecipientRenderError } from './errors';
import { escapeHtml } from './html-transform';
import { renderField, type RenderScope } from './liquid-engine';
import { encodeBody, fileNameParams } from './mime-encoding';
import type { MimeLeaf } from './mime-message';
import { renderPdf } from './pdf-attachment';
import { htmlToParagraphs, markLink } from './plain-text';

export interface Download {
  readonly name: string;
  readonly url: string;
}

export function downloadsHtml(downloads: readonly Download[]): string {
  const items = downloads.map((d) => `<li><a href="${escapeHtml(d.url)}">${escapeHtml(d.name)}</a></li>`).join('');
  return `<div style="margin:24px 0;font-size:14px"><p style="margin:0 0 8px">附件 Attachments</p><ul style="margin:0;padding-left:20px">${items}</ul></div>`;
}

export function downloadsText(downloads: readonly Download[]): string {
  return `附件 Attachments\n${downloads.map((d) => `- ${d.name}: ${markLink(d.url)}`).join('\n')}`;
}

export async function attachmentParts(compiled: CompiledMessage, recipient: FrozenRecipient, scope: RenderScope, names: readonly string[]): Promise<MimeLeaf[]> {
  const parts = compiled.attachments.map(async (attachment, i): Promise<MimeLeaf | undefined> => {
    const name = names[i] as string;
    if (attachment.kind === 'file') {
      if (attachment.asLink) return undefined;
      return attachmentLeaf(name, attachment.contentType, await attachmentBody(compiled, attachment.key));
    }
    let userPassword: string | undefined;
    if (attachment.passwordField) {
      userPassword = fieldText(recipient.fields, attachment.passwordField);
      if (!userPassword) {
        throw new RecipientRenderError(
          'attachment.password-missing',
          `The PDF attachment "${name}" is protected with the field ${attachment.passwordField}, which is empty for this recipient.`,
        );
      }
    }
    const html = renderField(`attachments.${i}.template`, attachment.body, scope);
    const pdf = await renderPdf(htmlToParagraphs(html), { title: name.replace(/\.pdf$/i, ''), ...(userPassword ? { userPassword } : {}), ...(compiled.pdfFont ? { font: compiled.pdfFont } : {}) });
    return attachmentLeaf(name, 'application/pdf', encodeBody(pdf, 'base64'));
  });
  return (await Promise.all(parts)).filter((part): part is MimeLeaf => part !== undefined);
}

function attachmentLeaf(name: string, contentType: string, base64Body: Uint8Array): MimeLeaf {
  const params = fileNameParams(name);
  return { contentType: `${contentType};\r\n ${params.name}`, encoding: 'base64', body: base64Body, headers: [`Content-Disposition: attachment;\r\n ${params.filename}`] };
}

/** A merge field's value as text: `birthday` or `custom.id_last4`. */
function fieldText(fields: Readonly<Record<string, unknown>>, path: string): string {
  let value: unknown = fields;
  for (const segment of path.split('.')) {
    value = value !== null && typeof value === 'object' && Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value === undefined || value === null ? '' : String(value).trim();
}
