/**
 * An uploaded HTML file's bytes to text: the BOM, else the page's own `<meta charset>`, else
 * strict UTF-8, else chardet's guess (Big5 / GB18030 / Shift_JIS pages saved by older editors).
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';

const META_CHARSET = /<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i;
// WHATWG: pages that say Latin-1 or ASCII are read as Windows-1252.
const aliases: Readonly<Record<string, string>> = { 'iso-8859-1': 'windows-1252', 'us-ascii': 'windows-1252', ascii: 'windows-1252', latin1: 'windows-1252' };

export interface DecodedHtml {
  readonly html: string;
  /** The charset the bytes were read in (lower case). */
  readonly charset: string;
}

export function htmlFromUpload(bytes: Uint8Array): DecodedHtml {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bom = bomCharset(buffer);
  if (bom) return { html: iconv.decode(buffer, bom, { stripBOM: true }), charset: bom };
  const declared = META_CHARSET.exec(buffer.subarray(0, 4096).toString('latin1'))?.[1]?.toLowerCase();
  // A page saved as UTF-16 would have had a BOM; the declaration is then wrong (WHATWG agrees).
  if (declared && !declared.startsWith('utf-16')) {
    const charset = aliases[declared] ?? declared;
    if (iconv.encodingExists(charset)) return { html: iconv.decode(buffer, charset), charset };
  }
  try {
    return { html: new TextDecoder('utf-8', { fatal: true }).decode(buffer), charset: 'utf-8' };
  } catch {
    // not UTF-8: guess below
  }
  const guess = chardet.detect(buffer)?.toLowerCase();
  const charset = guess && iconv.encodingExists(guess) ? (aliases[guess] ?? guess) : 'windows-1252';
  return { html: iconv.decode(buffer, charset), charset };
}

function bomCharset(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}
