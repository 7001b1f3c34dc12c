import iconv from 'iconv-lite';
import chardet from 'chardet';
import type { SupportedEncoding } from './types';

export const encodingLabel: Record<SupportedEncoding, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
  big5: 'Big5 (CP950)',
  gb18030: 'GB18030',
  shift_jis: 'Shift_JIS',
};

/** iconv-lite's codec per encoding: its `big5` is Big5-HKSCS, a superset of Windows' CP950. */
const codecName: Record<SupportedEncoding, string> = {
  'utf-8': 'utf-8',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  big5: 'big5',
  gb18030: 'gb18030',
  shift_jis: 'shift_jis',
};

export interface TextDecoderStream {
  write(bytes: Uint8Array): string;
  end(): string;
}

/** Stateful decoder: characters split across chunks are completed by the next chunk; BOM dropped. */
export function createDecoder(encoding: SupportedEncoding): TextDecoderStream {
  const decoder = iconv.getDecoder(codecName[encoding], { stripBOM: true });
  return {
    write: (bytes) => decoder.write(toBuffer(bytes)),
    end: () => decoder.end() ?? '',
  };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes a prefix of a file, leaving out a character cut off at its end. */
export function decodePrefix(bytes: Uint8Array, encoding: SupportedEncoding, complete: boolean): string {
  const decoder = createDecoder(encoding);
  return decoder.write(bytes) + (complete ? decoder.end() : '');
}

export function bomOf(bytes: Uint8Array): SupportedEncoding | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

export type Sniffed = { encoding: SupportedEncoding } | { binary: string };

const REPLACEMENT = /\uFFFD/g;
// C0 controls other than TAB, LF, VT, FF, CR and SUB (a DOS end-of-file mark some exports keep).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000E-\u0019\u001B-\u001F]/g;

export const countReplacements = (text: string): number => text.match(REPLACEMENT)?.length ?? 0;

/** True when decoded text has the control characters of a binary file, not of a text file. */
export function looksBinary(text: string): boolean {
  if (text.includes('\u0000')) return true;
  const controls = text.match(CONTROL)?.length ?? 0;
  return controls > Math.max(2, text.length / 100);
}

/**
 * The encoding of a file from its first bytes: a BOM; UTF-16 by its zero bytes (CSV text is mostly
 * ASCII); strict UTF-8; else the legacy CJK encodings that decode without errors, ranked by
 * chardet's character statistics, Big5 first on a tie (GB18030 accepts nearly any Big5 byte pair).
 */
export function sniffEncoding(prefix: Uint8Array, complete: boolean): Sniffed {
  const bom = bomOf(prefix);
  const utf16 = bom && bom !== 'utf-8' ? bom : utf16ByZeros(prefix);
  if (utf16) {
    return looksBinary(decodePrefix(prefix, utf16, complete)) ? { binary: 'control characters' } : { encoding: utf16 };
  }
  if (prefix.includes(0)) return { binary: 'NUL bytes' };

  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    const text = strict.decode(trimUtf8Tail(prefix, complete));
    return looksBinary(text) ? { binary: 'control characters' } : { encoding: 'utf-8' };
  } catch {
    // not UTF-8: try the legacy encodings
  }

  const confidence = new Map<string, number>();
  for (const match of chardet.analyse(prefix)) confidence.set(match.name.toLowerCase(), match.confidence);
  const candidates = (['big5', 'gb18030', 'shift_jis'] as const)
    .map((encoding, order) => {
      const text = decodePrefix(prefix, encoding, complete);
      const nonAscii = text.replace(/[\u0000-\u007F]+/g, '').length; // eslint-disable-line no-control-regex
      return {
        encoding,
        order,
        binary: looksBinary(text),
        // A few undecodable characters (user-defined ones in Big5's EUDC area) are tolerated.
        ok: countReplacements(text) <= nonAscii / 200,
        confidence: confidence.get(encoding) ?? 0,
      };
    })
    .filter((c) => c.ok && !c.binary)
    .sort((a, b) => b.confidence - a.confidence || a.order - b.order);
  const best = candidates[0];
  if (best) return { encoding: best.encoding };
  return { binary: 'bytes of no supported text encoding' };
}

function utf16ByZeros(bytes: Uint8Array): SupportedEncoding | undefined {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros > pairs * 0.3 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.3 && oddZeros < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/** Drops a UTF-8 sequence cut off by the end of a prefix (only when more of the file follows). */
function trimUtf8Tail(bytes: Uint8Array, complete: boolean): Uint8Array {
  if (complete) return bytes;
  let i = bytes.length - 1;
  let back = 0;
  while (i >= 0 && back < 3 && ((bytes[i] ?? 0) & 0xc0) === 0x80) {
    i--;
    back++;
  }
  const lead = bytes[i] ?? 0;
  if (i < 0 || lead < 0xc0) return bytes;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return i + need > bytes.length ? bytes.subarray(0, i) : bytes;
}
