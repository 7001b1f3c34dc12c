/**
 * Parsers for the contact fields with a fixed form (gender, birthday, language, tags) and the
 * normalisation every other text field gets. Each returns undefined when it can't tell what was
 * meant; the caller then drops the value with a recorded change rather than guess.
 */
import { type Gender } from '../../contacts/contact';

/**
 * Text NFKC leaves as it is: printable ASCII, CJK unified ideographs and the common CJK punctuation
 * 、。〈〉《》「」『』【】 — none decomposes, and no two of them compose. Testing for it is much
 * cheaper than normalising Chinese text that is almost always normalised already.
 */
export const nfkcStable = /^[\x20-\x7e\u4e00-\u9fff\u3001\u3002\u3008-\u3011]*$/;

/** NFKC (full-width → half-width), runs of white space (newlines too) → one space, ends trimmed. */
export function normaliseText(value: string): string {
  const folded = nfkcStable.test(value) ? value : value.normalize('NFKC');
  return folded.replace(/\s+/g, ' ').trim();
}

/** Case- and width-insensitive form for matching (keyword filters, duplicate keys). */
export const foldForMatch = (value: string): string => normaliseText(value).toLowerCase();

const genderWords: ReadonlyMap<string, Gender> = new Map([
  ...['男', '男性', '男生', '先生', 'm', 'male', 'man', 'mr', 'mr.', 'boy'].map((w) => [w, 'male'] as const),
  ...['女', '女性', '女生', '小姐', '女士', 'f', 'female', 'woman', 'ms', 'ms.', 'mrs', 'mrs.', 'miss', 'girl'].map((w) => [w, 'female'] as const),
  ...['其他', '其它', '不透露', 'o', 'x', 'other', 'non-binary', 'nonbinary'].map((w) => [w, 'other'] as const),
]);

export function parseGender(value: string): Gender | undefined {
  return genderWords.get(foldForMatch(value));
}

const rocOffset = 1911;

/**
 * A birthday as YYYY-MM-DD. Accepts year-first dates only — 1990/1/2, 1990-01-02, 1990.1.2,
 * 19900102, 1990年1月2日 — and 民國 (Republic of China) years written 民國79/1/2, 民國79年1月2日,
 * 民79.1.2 or with a three-digit year (101/5/6). A bare two-digit year (79/1/2) is refused: it is
 * as likely 1979 as 民國79 (1990). Day-first or month-first dates are ambiguous, so refused too.
 */
export function parseBirthday(value: string): { readonly date: string; readonly roc: boolean } | undefined {
  const text = normaliseText(value).replace(/\s+/g, '');
  let match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  let roc = false;
  if (!match) {
    match = /^(?:民國|民|中華民國|roc)(\d{1,3})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/i.exec(text) ?? /^(\d{3})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text);
    roc = Boolean(match);
  }
  if (!match) return undefined;
  const year = Number(match[1]) + (roc ? rocOffset : 0);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1800 || month < 1 || month > 12 || day < 1) return undefined;
  // Day within the month, leap years included (UTC so no time zone can shift it).
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  return { date: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, roc };
}

const languageWords: ReadonlyMap<string, string> = new Map([
  ['中文', 'zh-TW'], ['繁體中文', 'zh-TW'], ['繁中', 'zh-TW'], ['正體中文', 'zh-TW'], ['國語', 'zh-TW'],
  ['簡體中文', 'zh-CN'], ['简体中文', 'zh-CN'], ['簡中', 'zh-CN'],
  ['英文', 'en'], ['英語', 'en'], ['english', 'en'], ['日文', 'ja'], ['日語', 'ja'], ['japanese', 'ja'],
  ['韓文', 'ko'], ['korean', 'ko'], ['台語', 'nan-TW'], ['客語', 'hak-TW'],
]);

/** A BCP 47 tag (`zh_tw` → `zh-TW`; 中文 → zh-TW); undefined when it's none we can recognise. */
export function parseLanguage(value: string): string | undefined {
  const text = normaliseText(value);
  const named = languageWords.get(text.toLowerCase());
  if (named) return named;
  const tag = /^([a-z]{2,3})(?:[-_]([a-z0-9]{2,8}))?$/i.exec(text);
  if (!tag) return undefined;
  const [, primary, region] = tag;
  if (!region) return primary!.toLowerCase();
  return `${primary!.toLowerCase()}-${region.length === 2 ? region.toUpperCase() : region}`;
}

/** Tags split on , ; 、 | (full-width forms too), trimmed, empty and repeated ones dropped. */
export function parseTags(value: string): string[] {
  const tags = new Set<string>();
  for (const part of normaliseText(value).split(/[,;、|]/)) {
    const tag = part.trim();
    if (tag) tags.add(tag);
  }
  return [...tags];
}
