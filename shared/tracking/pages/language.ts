/**
 * The language of a public tracking page, from the browser's Accept-Language header.
 *
 * Two languages: Traditional Chinese (zh-TW) and English. Entries are tried in order of
 * preference (q value, then position); the first one we can serve wins: `zh`, `zh-TW`, `zh-HK`,
 * `zh-MO` and any `zh-Hant-*` are zh-TW, any `en-*` is English. A header that names only other
 * languages (including Simplified Chinese, `zh-CN`, `zh-Hans`) gets English; a missing or empty
 * header gets zh-TW, the product's home language.
 */
export type PageLanguage = 'zh-TW' | 'en';

export const DEFAULT_LANGUAGE: PageLanguage = 'zh-TW';

const TRADITIONAL = /^zh(?:-(?:tw|hk|mo|hant)(?:-.*)?)?$/;

function serve(tag: string): PageLanguage | undefined {
  if (TRADITIONAL.test(tag)) return 'zh-TW';
  if (tag === 'en' || tag.startsWith('en-')) return 'en';
  return undefined;
}

export function pickLanguage(acceptLanguage: string | undefined): PageLanguage {
  if (acceptLanguage === undefined || acceptLanguage.trim() === '') return DEFAULT_LANGUAGE;
  const entries = acceptLanguage
    .slice(0, 1000)
    .split(',')
    .slice(0, 40)
    .map((part, position) => {
      const [rawTag = '', ...params] = part.split(';');
      const qParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { tag: rawTag.trim().toLowerCase().replace(/_/g, '-'), q: Number.isFinite(q) ? q : 0, position };
    })
    .filter((e) => e.tag !== '' && e.q > 0)
    .sort((a, b) => b.q - a.q || a.position - b.position);
  for (const entry of entries) {
    const language = serve(entry.tag);
    if (language) return language;
  }
  return 'en';
}
