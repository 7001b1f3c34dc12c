/**
 * Text to bytes in a campaign's charset. iconv-lite does the work (our own encoder for
 * ISO-2022-JP); characters a charset cannot carry are found here too, for the pre-send check and
 * so that HTML can carry them as numeric character references instead of `?`.
 */
import iconv from 'iconv-lite';
import type { MailCharset } from '../campaigns/model';
import { encodeIso2022Jp, iso2022JpCanEncode } from './iso-2022-jp';
import { tableEncode } from './table-encoder';

const QUESTION = 0x3f;
/** Multi-byte charsets, where iconv-lite's encoder is slow enough to matter for message bodies. */
const multiByte: ReadonlySet<string> = new Set(['Big5', 'GB2312', 'GBK', 'GB18030', 'Shift_JIS', 'EUC-JP', 'EUC-KR']);
/** Short texts (headers) are not worth building a charset's table for. */
const TABLE_FROM_LENGTH = 512;

export function encodeCharset(text: string, charset: MailCharset): Buffer {
  if (charset === 'UTF-8') return Buffer.from(text, 'utf8');
  if (charset === 'ISO-2022-JP') return encodeIso2022Jp(text);
  return encodeLegacy(text, charset);
}

/** iconv-lite's bytes, through its lookup table for long multi-byte texts. */
export function encodeLegacy(text: string, charset: string): Buffer {
  return text.length >= TABLE_FROM_LENGTH && multiByte.has(charset) ? tableEncode(text, charset) : iconv.encode(text, charset);
}

const encodable = new Map<MailCharset, Map<string, boolean>>();

/** True when the charset carries this character (one code point) and gives it back unchanged. */
export function canEncode(char: string, charset: MailCharset): boolean {
  if (charset === 'UTF-8' || char.charCodeAt(0) < 0x80) return true;
  let known = encodable.get(charset);
  if (!known) encodable.set(charset, (known = new Map()));
  let ok = known.get(char);
  if (ok === undefined) {
    ok = charset === 'ISO-2022-JP' ? iso2022JpCanEncode(char) : iconv.decode(iconv.encode(char, charset), charset) === char;
    known.set(char, ok);
  }
  return ok;
}

/** The distinct characters of `text` the charset cannot carry, in order of appearance. */
export function unencodableChars(text: string, charset: MailCharset): string[] {
  if (charset === 'UTF-8') return [];
  const seen = new Set<string>();
  const bad: string[] = [];
  for (const char of text) {
    if (seen.has(char)) continue;
    seen.add(char);
    if (!canEncode(char, charset)) bad.push(char);
  }
  return bad;
}

/**
 * Encodes HTML so nothing is lost: a character the charset lacks (an emoji in Big5, a name in
 * simplified characters) is written as `&#x…;`, which every mail client shows as the character.
 */
export function encodeHtml(html: string, charset: MailCharset): Buffer {
  const bytes = encodeCharset(html, charset);
  if (charset === 'UTF-8' || countByte(bytes, QUESTION) === countChar(html, QUESTION)) return bytes;
  let safe = '';
  for (const char of html) safe += canEncode(char, charset) ? char : `&#x${(char.codePointAt(0) ?? 0).toString(16)};`;
  return encodeCharset(safe, charset);
}

/** An upper bound of the bytes one character takes (for splitting RFC 2047 encoded words). */
export function maxBytesPerChar(char: string, charset: MailCharset): number {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x80) return 1;
  switch (charset) {
    case 'UTF-8':
      return code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    case 'ISO-8859-1':
    case 'ISO-8859-2':
    case 'ISO-8859-15':
    case 'Windows-1252':
      return 1;
    case 'GB18030':
      return 4;
    case 'EUC-JP':
      return 3;
    default:
      return 2;
  }
}

function countByte(bytes: Uint8Array, byte: number): number {
  let n = 0;
  for (let i = bytes.indexOf(byte); i !== -1; i = bytes.indexOf(byte, i + 1)) n++;
  return n;
}

function countChar(text: string, code: number): number {
  const char = String.fromCharCode(code);
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++;
  return n;
}
