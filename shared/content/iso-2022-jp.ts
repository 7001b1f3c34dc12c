/**
 * ISO-2022-JP (RFC 1468), the traditional charset of Japanese mail, which iconv-lite lacks. We let
 * iconv-lite encode EUC-JP, whose two-byte codes are JIS X 0208 with the high bits set, and
 * transcode: clear the high bits and switch between ASCII and JIS X 0208 with escape sequences.
 */
import iconv from 'iconv-lite';
import { tableEncode } from './table-encoder';

const ESC = 0x1b;
const TO_JIS = [ESC, 0x24, 0x42]; // ESC $ B
const TO_ASCII = [ESC, 0x28, 0x42]; // ESC ( B
const QUESTION = 0x3f;

// Half-width katakana have no place in ISO-2022-JP; NFKC turns them into their full-width forms.
const HALF_WIDTH_KANA = /[\uFF61-\uFF9F]+/g;

/** Encodes text; characters outside ASCII and JIS X 0208 become `?`. Always ends in ASCII mode. */
export function encodeIso2022Jp(text: string): Buffer {
  const euc = tableEncode(text.replace(HALF_WIDTH_KANA, (kana) => kana.normalize('NFKC')), 'EUC-JP');
  const out = Buffer.allocUnsafe(euc.length * 3 + TO_ASCII.length);
  let n = 0;
  let jis = false;
  const write = (bytes: readonly number[]): void => {
    for (const b of bytes) out[n++] = b;
  };
  const ascii = (b: number): void => {
    if (jis) write(TO_ASCII);
    jis = false;
    out[n++] = b;
  };
  for (let i = 0; i < euc.length; i++) {
    const b = euc[i] as number;
    if (b < 0x80) ascii(b);
    else if (b === 0x8e) {
      ascii(QUESTION); // a half-width kana NFKC left alone
      i += 1;
    } else if (b === 0x8f) {
      ascii(QUESTION); // JIS X 0212: not in ISO-2022-JP
      i += 2;
    } else {
      if (!jis) write(TO_JIS);
      jis = true;
      out[n++] = b & 0x7f;
      out[n++] = (euc[i + 1] ?? 0xa1) & 0x7f;
      i += 1;
    }
  }
  if (jis) write(TO_ASCII);
  return out.subarray(0, n);
}

/** True when ISO-2022-JP can carry the character (one code point). */
export function iso2022JpCanEncode(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x80) return true;
  if (code >= 0xff61 && code <= 0xff9f) return true;
  const euc = iconv.encode(char, 'EUC-JP');
  return euc.length === 2 && (euc[0] as number) >= 0xa1 && iconv.decode(euc, 'EUC-JP') === char;
}
