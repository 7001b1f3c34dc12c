/**
 * From a cleaned row to contact values, and what a matched contact becomes under each duplicate
 * policy. Pure: the worker calls these for every row, tests call them directly.
 *
 * Policies, for a row whose key matches a stored contact:
 * - skip: the contact is left as it is;
 * - update: every value the row has replaces the stored one (empty cells never clear anything);
 * - updateEmpty: only fields the contact has no value for are filled.
 * Under both update policies tags are added (never removed), the import's groups are added, and
 * the import's categories are subscribed only where the contact has made no choice yet: an
 * import never re-subscribes someone who unsubscribed.
 */
import type { Contact, CustomValue } from '../../contacts/contact';
import type { CustomFieldDefinition, Definitions } from '../../contacts/definitions';
import { parseCustomValues } from '../../contacts/definitions';
import type { FieldError } from '../../errors';
import { parseBirthday } from '../clean';
import { CUSTOM_PREFIX } from '../read';
import type { DuplicatePolicy } from './model';

export const standardImportFields = ['email', 'mobile', 'fax', 'name', 'company', 'title', 'gender', 'birthday', 'city', 'address', 'language'] as const;
export type StandardImportField = (typeof standardImportFields)[number];

export interface ImportedValues {
  readonly standard: Partial<Record<StandardImportField, string>>;
  readonly tags: readonly string[];
  /** By custom field id (as stored). */
  readonly custom: Readonly<Record<string, CustomValue>>;
}

const trueWords = new Set(['true', 'yes', 'y', '1', 't', 'v', '是', '有', '對', '对', '✓', '√', 'o']);
const falseWords = new Set(['false', 'no', 'n', '0', 'f', '否', '無', '无', '不是', 'x', '✗']);

/** One cell's text as the custom field's type wants it (validation happens in parseCustomValues). */
export function customValueOf(field: CustomFieldDefinition, text: string): unknown {
  const value = text.trim();
  switch (field.type) {
    case 'number': {
      const n = Number(value.replace(/[,\s]/g, ''));
      return value === '' || Number.isNaN(n) ? value : n;
    }
    case 'boolean': {
      const folded = value.toLowerCase();
      if (trueWords.has(folded)) return true;
      if (falseWords.has(folded)) return false;
      return value;
    }
    case 'date':
      return parseBirthday(value)?.date ?? value;
    case 'single_choice':
      return field.validation.options?.find((o) => o.toLowerCase() === value.toLowerCase()) ?? value;
    case 'multi_choice':
      return value
        .split(/[,;、，；|]/)
        .map((c) => c.trim())
        .filter(Boolean)
        .map((c) => field.validation.options?.find((o) => o.toLowerCase() === c.toLowerCase()) ?? c);
    default:
      return value;
  }
}

/**
 * A cleaned row (field → value; custom fields as `custom.<name>`) → contact values, or the
 * reasons the contacts domain refuses it. Required custom fields are checked only for new
 * contacts (`requiredCustom`), as a matched contact may have them already.
 */
export function importedValues(
  fields: Readonly<Record<string, string>>,
  tags: readonly string[],
  defs: Definitions,
): { values: ImportedValues; errors: FieldError[] } {
  const standard: Partial<Record<StandardImportField, string>> = {};
  const customInput: Record<string, unknown> = {};
  const byName = new Map(defs.fields.map((f) => [f.name, f]));
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith(CUSTOM_PREFIX)) {
      const name = key.slice(CUSTOM_PREFIX.length);
      const field = byName.get(name);
      if (!field) errors.push({ field: key, message: 'The custom field no longer exists' });
      else customInput[name] = customValueOf(field, value);
    } else if ((standardImportFields as readonly string[]).includes(key)) {
      standard[key as StandardImportField] = value;
    }
  }
  const parsed = parseCustomValues(defs.fields, customInput, 'update');
  errors.push(...parsed.errors);
  const custom: Record<string, CustomValue> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value !== null) custom[(byName.get(name) as CustomFieldDefinition).id] = value;
  }
  return { values: { standard, tags, custom }, errors };
}

/** Required custom fields a new contact from these values would lack. */
export function missingRequired(values: ImportedValues, defs: Definitions): FieldError[] {
  return defs.fields.filter((f) => f.required && values.custom[f.id] === undefined).map((f) => ({ field: `custom.${f.name}`, message: 'Required' }));
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The contact after applying the row under `policy` (update or updateEmpty), and whether anything changed. */
export function mergeImported(
  existing: Contact,
  values: ImportedValues,
  policy: Exclude<DuplicatePolicy, 'skip'>,
  extras: { readonly groupIds: readonly string[]; readonly subscribe: readonly string[] },
): { next: Contact; changed: boolean } {
  const next: Record<string, unknown> = { ...existing };
  for (const [field, value] of Object.entries(values.standard)) {
    if (value === undefined) continue;
    if (policy === 'update' || existing[field as StandardImportField] === undefined) next[field] = value;
  }
  const custom: Record<string, CustomValue> = { ...existing.custom };
  for (const [id, value] of Object.entries(values.custom)) {
    if (policy === 'update' || custom[id] === undefined) custom[id] = value;
  }
  next.custom = custom;
  if (values.tags.length > 0 && (policy === 'update' || existing.tags.length === 0)) {
    next.tags = [...new Set([...existing.tags, ...values.tags])].slice(0, 50);
  }
  next.groups = [...new Set([...existing.groups, ...extras.groupIds])].sort();
  const subscriptions: Record<string, string> = { ...existing.subscriptions };
  for (const category of extras.subscribe) subscriptions[category] ??= 'subscribed';
  next.subscriptions = subscriptions;
  const changed = [...standardImportFields, 'custom', 'tags', 'groups', 'subscriptions'].some((f) => !same(next[f], (existing as unknown as Record<string, unknown>)[f]));
  return { next: next as unknown as Contact, changed };
}

export interface FieldDifference {
  readonly field: string;
  readonly stored: string;
  readonly imported: string;
}

const shown = (value: unknown): string => (value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value));

/** Compare mode: the row's values that differ from the stored contact (custom fields by name). */
export function differences(existing: Contact, values: ImportedValues, defs: Definitions): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const [field, value] of Object.entries(values.standard)) {
    if (value === undefined) continue;
    const stored = existing[field as StandardImportField];
    if (stored !== value) out.push({ field, stored: shown(stored), imported: value });
  }
  for (const [id, value] of Object.entries(values.custom)) {
    if (!same(existing.custom[id], value)) {
      const name = defs.fields.find((f) => f.id === id)?.name ?? id;
      out.push({ field: `custom.${name}`, stored: shown(existing.custom[id]), imported: shown(value) });
    }
  }
  const missingTags = values.tags.filter((t) => !existing.tags.includes(t));
  if (missingTags.length > 0) out.push({ field: 'tags', stored: existing.tags.join(', '), imported: values.tags.join(', ') });
  return out;
}
