/**
 * A recipient's merge fields (what `{{ name }}`, `{{ custom.tier }}` read): the contact's
 * standard fields by name, its custom values by field name under `custom`, and file columns on
 * top. Built in a fixed key order, so the same contact always serialises to the same line.
 */
import type { Contact } from '../contacts/contact';
import type { Definitions } from '../contacts/definitions';

type Fields = Record<string, unknown>;

/** Standard fields a template may greet or address someone with (ids, departments and bookkeeping stay out). */
export const standardMergeFields = ['name', 'company', 'title', 'gender', 'birthday', 'city', 'address', 'language', 'mobile', 'fax'] as const;

/** Sets come back from DynamoDB for some lists; JSON would write them as `{}`. */
const plain = (value: unknown): unknown => (value instanceof Set ? [...(value as Set<unknown>)].sort() : value);

/** The merge fields of a stored contact (custom values keyed by field id, as stores return them). */
export function contactMergeFields(contact: Contact, definitions: Definitions): Fields {
  const fields: Fields = {};
  if (contact.email) fields.email = contact.email;
  for (const name of standardMergeFields) {
    const value = contact[name];
    if (value !== undefined && value !== '') fields[name] = value;
  }
  const tags = plain(contact.tags);
  if (Array.isArray(tags) && tags.length > 0) fields.tags = tags;
  fields.score = typeof contact.score === 'number' ? contact.score : 0;
  const custom: Fields = {};
  // In the definitions' order, and only fields that still exist (a deleted field's values are gone).
  for (const field of definitions.fields) {
    const value = contact.custom?.[field.id];
    if (value !== undefined) custom[field.name] = plain(value);
  }
  fields.custom = custom;
  return fields;
}

/** `top` over `base`; `custom` is merged one level down, so a file column overrides one custom value, not all. */
export function overlay(base: Readonly<Fields>, top: Readonly<Fields>): Fields {
  const merged: Fields = { ...base, ...top };
  const baseCustom = base.custom;
  const topCustom = top.custom;
  if (isObject(baseCustom) && isObject(topCustom)) merged.custom = { ...baseCustom, ...topCustom };
  return merged;
}

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
