/**
 * QR codes and barcodes as PNG images: for `{% qrcode %}` / `{% barcode %}` parts inside a
 * message, and for the route that serves them by URL.
 */
import { toBuffer as barcodePng } from 'bwip-js/node';
import QRCode from 'qrcode';
import { ValidationError } from '../errors';
import type { CodeKind } from './render-types';

export const codeKinds: readonly CodeKind[] = ['qr', 'code128', 'ean13'];

const MAX_QR_BYTES = 1_000;
const MAX_CODE128_CHARS = 80;

/** The reason a value cannot be drawn as this kind of code, or undefined when it can. */
export function codeProblem(kind: CodeKind, value: string): string | undefined {
  if (!value) return 'The code value is empty.';
  if (kind === 'qr') return Buffer.byteLength(value) > MAX_QR_BYTES ? `A QR code holds at most ${MAX_QR_BYTES} bytes here.` : undefined;
  if (kind === 'code128') {
    // eslint-disable-next-line no-control-regex
    if (!/^[\x00-\x7f]+$/.test(value)) return 'A Code 128 barcode holds ASCII characters only.';
    return value.length > MAX_CODE128_CHARS ? `A Code 128 barcode holds at most ${MAX_CODE128_CHARS} characters here.` : undefined;
  }
  if (!/^\d{12,13}$/.test(value)) return `"${value}" is not an EAN-13 code: it needs 12 or 13 digits.`;
  if (value.length === 13 && ean13CheckDigit(value.slice(0, 12)) !== Number(value[12])) {
    return `"${value}" is not an EAN-13 code: its check digit should be ${ean13CheckDigit(value.slice(0, 12))}.`;
  }
  return undefined;
}

/** GS1 check digit: weights 1, 3, 1, 3, … from the left of the first 12 digits. */
export function ean13CheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

/** The PNG of a code; an unusable value is a ValidationError naming the problem. */
export async function codeImagePng(kind: CodeKind, value: string): Promise<Uint8Array> {
  if (!codeKinds.includes(kind)) throw new ValidationError(`Unknown code kind "${String(kind)}"`, [{ field: 'kind', message: 'Use qr, code128 or ean13.' }]);
  const problem = codeProblem(kind, value);
  if (problem) throw new ValidationError(problem, [{ field: 'value', message: problem }]);
  if (kind === 'qr') return new Uint8Array(await QRCode.toBuffer(value, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 4 }));
  try {
    const png = await barcodePng({ bcid: kind, text: value, scale: 2, height: 12, includetext: true, textxalign: 'center', backgroundcolor: 'FFFFFF' });
    return new Uint8Array(png);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`The ${kind} barcode cannot be drawn: ${message}`, [{ field: 'value', message }]);
  }
}
