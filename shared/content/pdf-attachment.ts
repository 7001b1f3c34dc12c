/**
 * A per-recipient PDF (a statement, a voucher): the rendered template's text laid out in
 * paragraphs with pdfkit, optionally encrypted (AES-256) with a password from the recipient.
 */
import { randomBytes } from 'node:crypto';
import PDFDocument from 'pdfkit';
import { canEncode } from './charset';

export interface PdfOptions {
  readonly title: string;
  /** Opens the PDF; without one it is not encrypted. */
  readonly userPassword?: string;
  /** A TrueType / OpenType font able to draw the text (CJK needs one). */
  readonly font?: Uint8Array;
}

/** Helvetica knows only Windows-1252: anything else would come out as stray Latin glyphs. */
function helveticaSafe(text: string): string {
  let out = '';
  for (const char of text) out += char === '\n' || canEncode(char, 'Windows-1252') ? char : '?';
  return out;
}

export async function renderPdf(paragraphs: readonly string[], options: PdfOptions): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: { Title: options.title, Producer: 'Pigeon', Creator: 'Pigeon' },
    ...(options.userPassword
      ? {
          pdfVersion: '1.7ext3' as const,
          userPassword: options.userPassword,
          // A random owner password: the recipient can open and print, not strip the protection.
          ownerPassword: randomBytes(18).toString('base64url'),
          permissions: { printing: 'highResolution' as const, copying: true, contentAccessibility: true },
        }
      : {}),
  });
  const chunks: Buffer[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  if (options.font) doc.registerFont('body', Buffer.from(options.font)).font('body');
  else doc.font('Helvetica');
  doc.fontSize(11);
  for (const paragraph of paragraphs) {
    doc.text(options.font ? paragraph : helveticaSafe(paragraph), { paragraphGap: 8 });
  }
  doc.end();
  await finished;
  return new Uint8Array(Buffer.concat(chunks));
}
