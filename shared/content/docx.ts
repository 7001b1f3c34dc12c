/**
 * docxToHtml: a Word document as the message's HTML (mammoth), its embedded images uploaded to
 * the assets bucket and linked by URL: data: URIs would bloat every message and many clients
 * block them.
 */
import mammoth from 'mammoth';
import { ValidationError } from '../errors';
import type { BlobStore } from '../ports/blob-store';
import { assetUrl } from './compile';
import { extensionOf } from './content-types';

export interface DocxOptions {
  readonly sink: BlobStore;
  /** Key prefix in the assets bucket, ending with `/`. */
  readonly prefix: string;
  readonly assetsBaseUrl: string;
}

export async function docxToHtml(bytes: Uint8Array, options: DocxOptions): Promise<{ html: string; warnings: string[] }> {
  let images = 0;
  const convertImage = mammoth.images.imgElement(async (image) => {
    const key = `${options.prefix}images/image-${++images}.${extensionOf(image.contentType)}`;
    await options.sink.put(key, new Uint8Array(await image.readAsBuffer()), image.contentType);
    return { src: assetUrl(options.assetsBaseUrl, key) };
  });
  let result: Awaited<ReturnType<typeof mammoth.convertToHtml>>;
  try {
    // externalFileAccess off: a document must not make the server read files it links to.
    result = await mammoth.convertToHtml({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) }, { convertImage, externalFileAccess: false });
  } catch (error) {
    const message = 'The file is not a Word document (.docx) that can be read.';
    throw new ValidationError(message, [{ field: 'file', message: error instanceof Error ? `${message} ${error.message}` : message }]);
  }
  const html = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n${result.value}\n</body></html>\n`;
  return { html, warnings: result.messages.map((m) => m.message) };
}
