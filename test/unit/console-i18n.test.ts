import { describe, expect, test } from 'vitest';
import { roles } from '../../shared/auth/roles';
import { userStatuses } from '../../shared/identity/model';
import { en } from '../../console/src/i18n/en';
import { catalogues, format, initialLanguage, languages, translate } from '../../console/src/i18n/language';
import { zhTW } from '../../console/src/i18n/zh-TW';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('console message catalogues', () => {
  test('English and Traditional Chinese carry exactly the same keys', () => {
    expect(Object.keys(zhTW).sort()).toEqual(Object.keys(en).sort());
  });

  test('every message is non-empty and uses the same placeholders in both languages', () => {
    for (const language of languages) {
      for (const [key, text] of Object.entries(catalogues[language])) {
        expect(text.trim(), `${language} ${key}`).not.toBe('');
        expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(en[key as keyof typeof en]));
      }
    }
  });

  test('the Chinese catalogue is actually translated, not a copy of the English one', () => {
    const same = Object.keys(en).filter((key) => en[key as keyof typeof en] === zhTW[key as keyof typeof en]);
    // Only language names (shown in their own script) and the empty-cell dash may coincide.
    expect(same.sort()).toEqual(['common.none', 'lang.en', 'lang.zh-TW']);
  });

  test('every role the API knows has a name in both languages', () => {
    for (const role of roles) {
      expect(Object.hasOwn(en, `role.${role}`), role).toBe(true);
    }
    expect(translate('zh-TW', 'role.admin')).toBe('管理員');
    expect(translate('en', 'role.viewer')).toBe('Viewer');
  });

  test('every account status and role the user pages show has wording, in OMICard wording in Chinese', () => {
    for (const status of userStatuses) expect(Object.hasOwn(en, `userStatus.${status}`), status).toBe(true);
    for (const role of roles) expect(Object.hasOwn(en, `users.roleHint.${role}`), role).toBe(true);
    expect(userStatuses.map((status) => translate('zh-TW', `userStatus.${status}`))).toEqual(['正常', '停權', '鎖定', '未啓用']);
  });
});

describe('console language choice', () => {
  test('a browser that prefers any Chinese gets Traditional Chinese, others English', () => {
    expect(initialLanguage(null, ['zh-TW', 'en'])).toBe('zh-TW');
    expect(initialLanguage(null, ['zh'])).toBe('zh-TW');
    expect(initialLanguage(null, ['zh-HK'])).toBe('zh-TW');
    expect(initialLanguage(null, ['en-US', 'zh-TW'])).toBe('en');
    expect(initialLanguage(null, ['ja-JP'])).toBe('en');
    expect(initialLanguage(null, [])).toBe('en');
  });

  test('a remembered choice wins over the browser; a garbled one is ignored', () => {
    expect(initialLanguage('en', ['zh-TW'])).toBe('en');
    expect(initialLanguage('zh-TW', ['en-GB'])).toBe('zh-TW');
    expect(initialLanguage('klingon', ['zh-TW'])).toBe('zh-TW');
  });

  test('placeholders are filled in, unknown ones stay visible', () => {
    expect(format('刪除「{name}」？', { name: '王小明' })).toBe('刪除「王小明」？');
    expect(format('{count} shown', { count: 3 })).toBe('3 shown');
    expect(format('Hello {who}')).toBe('Hello {who}');
  });
});
