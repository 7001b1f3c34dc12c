/** Language choice: pure functions, so the unit test can exercise them without a browser. */
import { en, type MessageKey } from './en';
import { zhTW } from './zh-TW';

export const languages = ['zh-TW', 'en'] as const;
export type Language = (typeof languages)[number];

export const catalogues: Record<Language, Record<MessageKey, string>> = { 'zh-TW': zhTW, en };

export const storageKey = 'pigeon.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/**
 * A choice the user made earlier wins; otherwise Traditional Chinese when the browser's first
 * preference is any Chinese, English for everything else.
 */
export function initialLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  const first = preferred[0]?.toLowerCase() ?? '';
  return first === 'zh' || first.startsWith('zh-') ? 'zh-TW' : 'en';
}

/** Replaces `{name}` placeholders; an unknown placeholder is left visible so it gets noticed. */
export function format(template: string, values: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}

export function translate(language: Language, key: MessageKey, values?: Readonly<Record<string, string | number>>): string {
  return format(catalogues[language][key], values);
}
