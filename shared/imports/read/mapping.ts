import { ImportFileError, type CustomFieldRef } from './types';

/** The standard contact fields an import may fill (departmentId comes from the import, not the file). */
export const importFields = [
  'email',
  'mobile',
  'fax',
  'name',
  'company',
  'title',
  'gender',
  'birthday',
  'city',
  'address',
  'language',
  'tags',
] as const;
export type ImportField = (typeof importFields)[number];

export const CUSTOM_PREFIX = 'custom.';

/**
 * Header spellings per field, in Traditional and Simplified Chinese, English and Japanese (Shift_JIS
 * files). Compared after normaliseHeader, so case, width, spaces and punctuation don't matter.
 * `phone` / 電話 are deliberately absent: often a landline, so left for the user to map.
 */
const synonyms: Record<ImportField, readonly string[]> = {
  name: ['姓名', '名字', '全名', '聯絡人', '联系人', '客戶名稱', '客户名称', '中文姓名', 'name', 'full name', 'fullname', 'contact name', 'customer name', '氏名', '名前', 'お名前'],
  email: ['電子郵件', '电子邮件', '電子郵件地址', '电子邮件地址', '電子信箱', '电子信箱', '信箱', '郵件', '邮件', '郵箱', '邮箱', '電郵', '電子郵箱', 'email', 'e-mail', 'mail', 'email address', 'e-mail address', 'mail address', 'メール', 'メールアドレス', 'eメール'],
  mobile: ['手機', '手机', '手機號碼', '手机号码', '手機號', '手机号', '行動電話', '行动电话', '移動電話', '移动电话', 'mobile', 'mobile phone', 'mobile number', 'mobile no', 'cell', 'cellphone', 'cell phone', 'cell number', '携帯', '携帯電話', '携帯番号'],
  fax: ['傳真', '传真', '傳真號碼', '传真号码', 'fax', 'fax number', 'fax no', 'ファックス', 'ファクス'],
  company: ['公司', '公司名稱', '公司名称', '單位', '单位', '機構', '机构', 'company', 'company name', 'organization', 'organisation', '会社', '会社名'],
  title: ['職稱', '职称', '職位', '职位', '頭銜', '头衔', 'title', 'job title', 'position', '役職'],
  gender: ['性別', '性别', 'gender', 'sex'],
  birthday: ['生日', '出生日期', '出生年月日', 'birthday', 'birth date', 'birthdate', 'date of birth', 'dob', '誕生日', '生年月日'],
  city: ['城市', '縣市', '县市', '城市名稱', '居住城市', 'city', 'town', '市区町村', '都市'],
  address: ['地址', '住址', '通訊地址', '通讯地址', '聯絡地址', '联系地址', 'address', 'street address', 'mailing address', '住所'],
  language: ['語言', '语言', '語系', '语系', 'language', 'lang', 'locale', '言語'],
  tags: ['標籤', '标签', '標記', '标记', 'tags', 'tag', 'タグ'],
};

/** Case-, width- and punctuation-insensitive key: `Ｅ-Mail ` and `email` compare equal. */
export function normaliseHeader(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');
}

const synonymIndex = new Map<string, ImportField>();
for (const field of importFields) {
  for (const spelling of synonyms[field] ?? []) synonymIndex.set(normaliseHeader(spelling), field);
}

/** Trimmed header cells; empty ones named `Column N`, repeats suffixed ` (2)`, ` (3)`... */
export function headerNames(cells: readonly string[]): string[] {
  const seen = new Map<string, number>();
  const used = new Set<string>();
  return cells.map((cell, i) => {
    let name = cell.replace(/^\uFEFF/, '').trim();
    if (name === '') name = `Column ${i + 1}`;
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    let unique = count === 1 ? name : `${name} (${count})`;
    for (let n = count + 1; used.has(unique); n++) unique = `${name} (${n})`;
    used.add(unique);
    return unique;
  });
}

/**
 * Every header -> field or null. A user mapping wins for the headers it names; the rest are
 * auto-mapped: custom fields (by name or any label) before the built-in synonyms. A field is filled from one column only: auto-mapping skips columns whose
 * field is already taken (the first such column wins), and a user mapping naming one field twice
 * is an error.
 */
export function buildMapping(
  header: readonly string[],
  userMapping: Record<string, string | null> | undefined,
  customFields: readonly CustomFieldRef[] = [],
): Record<string, string | null> {
  const customByKey = new Map<string, string>();
  const customNames = new Set<string>();
  for (const field of customFields) {
    customNames.add(field.name);
    for (const spelling of [field.name, field.label, ...Object.values(field.labels ?? {})]) {
      if (spelling && !customByKey.has(normaliseHeader(spelling))) customByKey.set(normaliseHeader(spelling), CUSTOM_PREFIX + field.name);
    }
  }

  const mapping: Record<string, string | null> = {};
  const taken = new Map<string, string>(); // field -> header
  const explicit = new Set<string>();

  if (userMapping) {
    // A key names a header exactly, else ignoring case and spaces around, else by normalised form.
    const loose = (text: string): string => text.trim().toLowerCase();
    const byLoose = new Map<string, string>();
    const byNormal = new Map<string, string>();
    for (const h of header) {
      if (!byLoose.has(loose(h))) byLoose.set(loose(h), h);
      if (!byNormal.has(normaliseHeader(h))) byNormal.set(normaliseHeader(h), h);
    }
    const unknownColumns: string[] = [];
    for (const [key, target] of Object.entries(userMapping)) {
      const h = header.includes(key) ? key : (byLoose.get(loose(key)) ?? byNormal.get(normaliseHeader(key)));
      if (h === undefined) {
        unknownColumns.push(key);
        continue;
      }
      const field = target === null ? null : resolveField(target, customNames);
      if (field !== null) {
        const other = taken.get(field);
        if (other !== undefined && other !== h) {
          throw new ImportFileError('mapping', `The mapping sends both "${other}" and "${h}" to ${field}; map one of them only.`, [
            { field: `mapping.${h}`, message: `${field} is already mapped from "${other}"` },
          ]);
        }
        taken.set(field, h);
      }
      mapping[h] = field;
      explicit.add(h);
    }
    if (unknownColumns.length > 0) {
      throw new ImportFileError(
        'mapping',
        `The mapping names columns the file does not have: ${unknownColumns.map((c) => `"${c}"`).join(', ')}. The file's columns: ${header.map((c) => `"${c}"`).join(', ')}.`,
        unknownColumns.map((c) => ({ field: `mapping.${c}`, message: 'no such column' })),
      );
    }
  }

  for (const h of header) {
    if (explicit.has(h)) continue;
    const key = normaliseHeader(h);
    const field = customByKey.get(key) ?? synonymIndex.get(key) ?? null;
    if (field !== null && !taken.has(field)) {
      taken.set(field, h);
      mapping[h] = field;
    } else {
      mapping[h] = null;
    }
  }
  return mapping;
}

function resolveField(target: string, customNames: ReadonlySet<string>): string {
  if ((importFields as readonly string[]).includes(target)) return target;
  if (target.startsWith(CUSTOM_PREFIX) && customNames.has(target.slice(CUSTOM_PREFIX.length))) return target;
  if (customNames.has(target)) return CUSTOM_PREFIX + target;
  throw new ImportFileError(
    'mapping',
    `Unknown field "${target}" in the mapping. Fields: ${[...importFields, ...[...customNames].map((n) => CUSTOM_PREFIX + n)].join(', ')}.`,
    [{ field: 'mapping', message: `unknown field ${target}` }],
  );
}
