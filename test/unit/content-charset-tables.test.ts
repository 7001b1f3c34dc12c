import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { encodeCharset, unencodableChars } from '../../shared/content/charset';
import { tableEncode } from '../../shared/content/table-encoder';

const everyBmpCharacter = (() => {
  let text = '';
  for (let code = 1; code < 0x10000; code++) if (code < 0xd800 || code > 0xdfff) text += String.fromCharCode(code);
  return text;
})();

describe('the table encoder for legacy charsets', () => {
  it.each(['Big5', 'GB2312', 'GBK', 'GB18030', 'Shift_JIS', 'EUC-JP', 'EUC-KR', 'ISO-8859-1', 'Windows-1252'])('writes the same bytes as iconv-lite in %s', (charset) => {
    const text = `${everyBmpCharacter} 😀 𠀀 lone \ud800 end \u0000`;
    expect(tableEncode(text, charset).equals(iconv.encode(text, charset))).toBe(true);
  });
});

describe('charset helpers', () => {
  it('names the characters a charset lacks, once each, in order', () => {
    expect(unencodableChars('春季 😀 简体 😀 春', 'Big5')).toEqual(['😀', '简']);
    expect(unencodableChars('Crème brûlée — 5 €', 'ISO-8859-1')).toEqual(['—', '€']);
    expect(unencodableChars('Crème brûlée — 5 €', 'Windows-1252')).toEqual([]);
    expect(unencodableChars('日本語と한국어', 'ISO-2022-JP')).toEqual(['한', '국', '어']);
    expect(unencodableChars('anything 😀', 'UTF-8')).toEqual([]);
  });

  it('encodes ISO-2022-JP with escape sequences, back to ASCII at every line end', () => {
    const bytes = encodeCharset('日本\nabc ｶﾀｶﾅ', 'ISO-2022-JP');
    expect(bytes.toString('latin1')).toBe('\x1b$BF|K\\\x1b(B\nabc \x1b$B%+%?%+%J\x1b(B');
  });
});
