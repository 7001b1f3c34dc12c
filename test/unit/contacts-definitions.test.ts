import { describe, expect, it } from 'vitest';
import type { CustomFieldDefinition } from '../../shared/contacts/definitions';
import { createFieldSchema, membersSchema, parseCustomValues } from '../../shared/contacts/definitions';
import { matchesFilter } from '../../shared/contacts/contact-store';
import { createContactSchema, listContactsQuerySchema, updateContactSchema } from '../../shared/contacts/schemas';
import type { Contact } from '../../shared/contacts/contact';
import { fieldErrorsOf } from '../../shared/http/problem';

const at = '2026-11-23T00:00:00.000Z';
const field = (name: string, type: CustomFieldDefinition['type'], validation: CustomFieldDefinition['validation'] = {}, required = false): CustomFieldDefinition => ({
  id: `ID_${name}`,
  name,
  label: { en: name },
  type,
  required,
  validation,
  revision: 1,
  createdAt: at,
  updatedAt: at,
});

const fields = [
  field('nickname', 'text', { maxLength: 5, pattern: '^[A-Za-z]+$' }),
  field('points', 'number', { min: 0, max: 100, integer: true }),
  field('joined', 'date', { min: '2020-01-01', max: '2030-12-31' }),
  field('vip', 'boolean'),
  field('level', 'single_choice', { options: ['gold', 'silver'] }),
  field('topics', 'multi_choice', { options: ['travel', 'food'] }),
  field('member_no', 'text', {}, true),
];

const check = (custom: unknown, mode: 'create' | 'update' = 'update') => parseCustomValues(fields, custom, mode);
const errorFields = (custom: unknown, mode: 'create' | 'update' = 'update') => check(custom, mode).errors.map((e) => e.field).sort();

describe('custom values against their definitions', () => {
  it('accepts and normalises a good value of every type', () => {
    const result = check({ nickname: ' Amy ', points: 42, joined: '2024-02-29', vip: false, level: 'gold', topics: ['food', 'travel', 'food'], member_no: 'M1' }, 'create');
    expect(result.errors).toEqual([]);
    expect(result.values).toEqual({ nickname: 'Amy', points: 42, joined: '2024-02-29', vip: false, level: 'gold', topics: ['food', 'travel'], member_no: 'M1' });
  });

  it.each([
    ['nickname', 'Amelia', 'At most 5 characters'],
    ['nickname', 'A1', 'Must match'],
    ['nickname', 12, 'Must be text'],
    ['points', 1.5, 'whole number'],
    ['points', 101, 'at most 100'],
    ['points', -1, 'at least 0'],
    ['points', '5', 'Must be a number'],
    ['joined', '2024-02-30', 'real date'],
    ['joined', '2019-12-31', 'on or after 2020-01-01'],
    ['joined', '2031-01-01', 'on or before 2030-12-31'],
    ['vip', 'yes', 'true or false'],
    ['level', 'bronze', 'one of: gold, silver'],
    ['topics', ['golf'], 'one of: travel, food'],
    ['topics', 'food', 'list of choices'],
  ])('names custom.%s for %j (%s)', (name, value, message) => {
    const { errors } = check({ [name]: value });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(`custom.${name}`);
    expect(errors[0]?.message).toContain(message);
  });

  it('requires required fields on create, refuses clearing them, and lets other fields be cleared with null', () => {
    expect(errorFields({}, 'create')).toEqual(['custom.member_no']);
    expect(errorFields(undefined, 'create')).toEqual(['custom.member_no']);
    expect(errorFields({ member_no: null })).toEqual(['custom.member_no']);
    expect(check({ points: null, topics: [] }).values).toEqual({ points: null, topics: null });
    expect(check({}).errors).toEqual([]);
  });

  it('names unknown fields and a custom that is not an object', () => {
    expect(errorFields({ shoe: 1, points: 1 })).toEqual(['custom.shoe']);
    expect(errorFields([1])).toEqual(['custom']);
  });
});

describe('field definitions', () => {
  const fieldsOf = (input: unknown) => {
    const result = createFieldSchema.safeParse(input);
    return result.success ? [] : fieldErrorsOf(result.error).map((e) => e.field).sort();
  };

  it('takes a definition of each type, with defaults', () => {
    for (const type of ['text', 'number', 'date', 'boolean'] as const) {
      expect(createFieldSchema.parse({ name: `f_${type}`, label: { en: 'x' }, type })).toMatchObject({ required: false, validation: {} });
    }
    expect(createFieldSchema.parse({ name: 'level', label: { 'zh-TW': '等級' }, type: 'single_choice', validation: { options: ['a'] } }).validation).toEqual({ options: ['a'] });
  });

  it.each([
    [{ name: 'Bad-Name', label: { en: 'x' }, type: 'text' }, ['name']],
    [{ name: 'email', label: { en: 'x' }, type: 'text' }, ['name']],
    [{ name: 'department_id', label: { en: 'x' }, type: 'text' }, ['name']],
    [{ name: 'ok', label: {}, type: 'text' }, ['label']],
    [{ name: 'ok', label: { en: 'x' }, type: 'color' }, ['type']],
    [{ name: 'ok', label: { en: 'x' }, type: 'text', validation: { pattern: '(' } }, ['validation.pattern']],
    [{ name: 'ok', label: { en: 'x' }, type: 'text', validation: { min: 1 } }, ['validation.min']],
    [{ name: 'ok', label: { en: 'x' }, type: 'number', validation: { min: 5, max: 1 } }, ['validation.max']],
    [{ name: 'ok', label: { en: 'x' }, type: 'date', validation: { min: '2020-13-01' } }, ['validation.min']],
    [{ name: 'ok', label: { en: 'x' }, type: 'single_choice' }, ['validation']],
    [{ name: 'ok', label: { en: 'x' }, type: 'multi_choice', validation: { options: ['a', 'a'] } }, ['validation.options']],
  ])('refuses %j naming %j', (input, expected) => {
    expect(fieldsOf(input)).toEqual(expected);
  });
});

describe('contact inputs for groups, subscriptions and score', () => {
  it('defaults score, groups and subscriptions on create', () => {
    expect(createContactSchema.parse({ email: 'a@b.co' })).toMatchObject({ score: 0, groups: [], subscriptions: {} });
  });
  it('names a bad score, subscription state or group list', () => {
    const fields = (input: unknown) => {
      const r = updateContactSchema.safeParse(input);
      return r.success ? [] : fieldErrorsOf(r.error).map((e) => e.field).sort();
    };
    expect(fields({ score: 1.5 })).toEqual(['score']);
    expect(fields({ score: -3 })).toEqual(['score']);
    expect(fields({ subscriptions: { cat1: 'maybe' } })).toEqual(['subscriptions.cat1']);
    expect(fields({ groups: 'g1' })).toEqual(['groups']);
    expect(updateContactSchema.parse({ subscriptions: { cat1: null }, groups: ['g', 'g'] })).toEqual({ subscriptions: { cat1: null }, groups: ['g'] });
  });
  it('reads list filters from the query string and refuses a reversed score range', () => {
    expect(listContactsQuerySchema.parse({ group: 'g', category: 'c', status: 'active', scoreMin: '10', scoreMax: '20' })).toMatchObject({
      group: 'g',
      category: 'c',
      status: 'active',
      scoreMin: 10,
      scoreMax: 20,
    });
    const reversed = listContactsQuerySchema.safeParse({ scoreMin: '20', scoreMax: '10' });
    expect(reversed.success).toBe(false);
    if (!reversed.success) expect(fieldErrorsOf(reversed.error).map((e) => e.field)).toEqual(['scoreMax']);
    const negative = listContactsQuerySchema.safeParse({ scoreMin: '-1' });
    expect(negative.success).toBe(false);
  });
  it('caps and de-duplicates member ids per call', () => {
    expect(membersSchema.parse({ contactIds: ['a', 'a', 'b'] }).contactIds).toEqual(['a', 'b']);
    expect(membersSchema.safeParse({ contactIds: [] }).success).toBe(false);
    expect(membersSchema.safeParse({ contactIds: Array.from({ length: 1001 }, (_, i) => String(i)) }).success).toBe(false);
  });
});

describe('the filter in code', () => {
  const contact = {
    id: 'c',
    email: 'a@b.co',
    tags: [],
    status: 'active',
    groups: ['g1'],
    subscriptions: { news: 'subscribed', offers: 'unsubscribed' },
    custom: { ID_topics: ['food'], ID_level: 'gold' },
    createdAt: at,
    updatedAt: at,
    version: 1,
  } as unknown as Contact;
  it('treats a missing score as 0 and combines every condition with AND', () => {
    expect(matchesFilter(contact, { scoreMax: 0, groupId: 'g1', categoryId: 'news', status: 'active' })).toBe(true);
    expect(matchesFilter(contact, { scoreMin: 1 })).toBe(false);
    expect(matchesFilter(contact, { categoryId: 'offers' })).toBe(false);
    expect(matchesFilter(contact, { groupId: 'g2' })).toBe(false);
    expect(matchesFilter(contact, { custom: [{ fieldId: 'ID_topics', value: 'food', contains: true }, { fieldId: 'ID_level', value: 'gold', contains: false }] })).toBe(true);
    expect(matchesFilter(contact, { custom: [{ fieldId: 'ID_level', value: 'silver', contains: false }] })).toBe(false);
  });
});
