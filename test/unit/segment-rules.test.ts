/**
 * Segment rules: the one evaluator (every operator on every field type, nesting, custom fields,
 * missing attributes, deleted groups) and the rule check (per-type operators, values, paths).
 */
import { describe, expect, it } from 'vitest';
import type { CustomFieldDefinition, Definitions, Group } from '../../shared/contacts/definitions';
import { ValidationError } from '../../shared/errors';
import { evaluationContext, matches, type ContactRecord } from '../../shared/segments/evaluate';
import { attributesOf, checkRules, operators, operatorsByKind, type Condition, type RuleTree } from '../../shared/segments/rules';

const at = '2025-03-01T00:00:00.000Z';
const field = (id: string, name: string, type: CustomFieldDefinition['type'], options?: string[]): CustomFieldDefinition => ({
  id,
  name,
  label: { 'zh-TW': name },
  type,
  required: false,
  validation: options ? { options } : {},
  revision: 1,
  createdAt: at,
  updatedAt: at,
});
const group = (id: string, departmentId?: string): Group => ({ id, name: id, ...(departmentId ? { departmentId } : {}), sharedWith: [], createdAt: at, updatedAt: at, version: 1 });

const definitions: Definitions = {
  fields: [
    field('F1', 'level', 'single_choice', ['gold', 'silver']),
    field('F2', 'spend', 'number'),
    field('F3', 'joined', 'date'),
    field('F4', 'vip', 'boolean'),
    field('F5', 'hobbies', 'multi_choice', ['golf', 'tea', 'wine']),
    field('F6', 'note', 'text'),
  ],
  groups: [group('G1'), group('G2'), group('GX', 'other-dept')],
  categories: [{ id: 'C1', name: 'News', createdAt: at, updatedAt: at, version: 1 }, { id: 'C2', name: 'Deals', createdAt: at, updatedAt: at, version: 1 }],
};
const now = new Date('2025-06-15T12:00:00.000Z');
const context = evaluationContext(definitions, now);

const full: ContactRecord = {
  id: '01JAAAAAAAAAAAAAAAAAAAAAAA',
  email: 'lin.yijun@example.tw',
  name: '林怡君',
  city: 'Taipei',
  gender: 'female',
  status: 'active',
  birthday: '1990-06-10',
  score: 42,
  tags: ['vip', 'tea'],
  groups: ['G1', 'GDELETED'],
  subscriptions: { C1: 'subscribed', C2: 'unsubscribed' },
  custom: { F1: 'gold', F2: 1200.5, F3: '2025-06-01', F4: true, F5: ['golf', 'tea'], F6: 'Likes Oolong' },
  createdAt: '2025-06-10T08:00:00.000Z',
  updatedAt: '2025-06-14T08:00:00.000Z',
  lastOpenAt: '2025-06-14T23:00:00.000Z',
};
const empty: ContactRecord = { id: '01JBBBBBBBBBBBBBBBBBBBBBBB', status: 'unsubscribed', createdAt: '2020-01-01T00:00:00.000Z', updatedAt: '2020-01-01T00:00:00.000Z' };

const one = (condition: Condition): RuleTree => ({ match: 'all', conditions: [condition] });
const test = (contact: ContactRecord, condition: Condition) => matches(contact, one(condition), context);

// [condition, matches the full contact, matches the contact without the attribute]
const table: [Condition, boolean, boolean][] = [
  // text
  [{ field: 'email', op: 'eq', value: 'LIN.YIJUN@example.tw' }, true, false],
  [{ field: 'city', op: 'neq', value: 'Taipei' }, false, true],
  [{ field: 'name', op: 'contains', value: '怡' }, true, false],
  [{ field: 'email', op: 'startsWith', value: 'lin.' }, true, false],
  [{ field: 'city', op: 'in', value: ['Tainan', 'taipei'] }, true, false],
  [{ field: 'city', op: 'exists' }, true, false],
  [{ field: 'city', op: 'notExists' }, false, true],
  // choice
  [{ field: 'gender', op: 'eq', value: 'female' }, true, false],
  [{ field: 'gender', op: 'neq', value: 'female' }, false, true],
  [{ field: 'status', op: 'in', value: ['active', 'bounced'] }, true, false],
  [{ field: 'gender', op: 'exists' }, true, false],
  [{ field: 'gender', op: 'notExists' }, false, true],
  // number (a missing score is 0)
  [{ field: 'score', op: 'eq', value: 42 }, true, false],
  [{ field: 'score', op: 'neq', value: 42 }, false, true],
  [{ field: 'score', op: 'gt', value: 41 }, true, false],
  [{ field: 'score', op: 'gte', value: 42 }, true, false],
  [{ field: 'score', op: 'lt', value: 1 }, false, true],
  [{ field: 'score', op: 'lte', value: 0 }, false, true],
  [{ field: 'score', op: 'between', value: [40, 50] }, true, false],
  [{ field: 'score', op: 'in', value: [0, 42] }, true, true],
  [{ field: 'custom.spend', op: 'gt', value: 1000 }, true, false],
  [{ field: 'custom.spend', op: 'exists' }, true, false],
  [{ field: 'custom.spend', op: 'notExists' }, false, true],
  // date
  [{ field: 'birthday', op: 'eq', value: '1990-06-10' }, true, false],
  [{ field: 'birthday', op: 'neq', value: '1990-06-10' }, false, true],
  [{ field: 'birthday', op: 'gt', value: '1990-01-01' }, true, false],
  [{ field: 'birthday', op: 'gte', value: '1990-06-10' }, true, false],
  [{ field: 'birthday', op: 'lt', value: '1990-06-10' }, false, false],
  [{ field: 'birthday', op: 'lte', value: '1990-06-10' }, true, false],
  [{ field: 'birthday', op: 'between', value: ['1990-01-01', '1990-12-31'] }, true, false],
  [{ field: 'custom.joined', op: 'withinDays', value: 14 }, true, false],
  [{ field: 'custom.joined', op: 'withinDays', value: 13 }, false, false],
  [{ field: 'custom.joined', op: 'olderThanDays', value: 13 }, true, false],
  [{ field: 'birthday', op: 'exists' }, true, false],
  [{ field: 'birthday', op: 'notExists' }, false, true],
  // datetime
  [{ field: 'createdAt', op: 'gt', value: '2025-06-10' }, true, false],
  [{ field: 'createdAt', op: 'gte', value: '2025-06-10T08:00:00Z' }, true, false],
  [{ field: 'updatedAt', op: 'lt', value: '2025-06-14T08:00:01Z' }, true, true],
  [{ field: 'updatedAt', op: 'lte', value: '2025-06-14T08:00:00.000Z' }, true, true],
  [{ field: 'createdAt', op: 'between', value: ['2025-06-01', '2025-06-10'] }, true, false],
  [{ field: 'lastOpenAt', op: 'withinDays', value: 1 }, true, false],
  [{ field: 'lastOpenAt', op: 'olderThanDays', value: 1 }, false, false],
  [{ field: 'lastClickAt', op: 'exists' }, false, false],
  [{ field: 'lastClickAt', op: 'notExists' }, true, true],
  [{ field: 'createdAt', op: 'olderThanDays', value: 365 }, false, true],
  // boolean
  [{ field: 'custom.vip', op: 'eq', value: true }, true, false],
  [{ field: 'custom.vip', op: 'neq', value: true }, false, true],
  [{ field: 'custom.vip', op: 'exists' }, true, false],
  [{ field: 'custom.vip', op: 'notExists' }, false, true],
  // lists: tags, groups (deleted groups never match), multi-choice
  [{ field: 'tags', op: 'contains', value: 'vip' }, true, false],
  [{ field: 'tags', op: 'neq', value: 'vip' }, false, true],
  [{ field: 'tags', op: 'in', value: ['x', 'tea'] }, true, false],
  [{ field: 'tags', op: 'exists' }, true, false],
  [{ field: 'tags', op: 'notExists' }, false, true],
  [{ field: 'groups', op: 'contains', value: 'G1' }, true, false],
  [{ field: 'groups', op: 'in', value: ['G2', 'G1'] }, true, false],
  [{ field: 'custom.hobbies', op: 'contains', value: 'tea' }, true, false],
  [{ field: 'custom.hobbies', op: 'neq', value: 'wine' }, true, true],
  // single choice and text custom fields
  [{ field: 'custom.level', op: 'eq', value: 'gold' }, true, false],
  [{ field: 'custom.level', op: 'in', value: ['silver'] }, false, false],
  [{ field: 'custom.note', op: 'contains', value: 'oolong' }, true, false],
  // categories: subscribed or not
  [{ field: 'category', op: 'eq', value: 'C1' }, true, false],
  [{ field: 'category', op: 'eq', value: 'C2' }, false, false],
  [{ field: 'category', op: 'neq', value: 'C2' }, true, true],
  [{ field: 'category', op: 'in', value: ['C2', 'C1'] }, true, false],
];

describe('matches: every operator on every field type', () => {
  it.each(table)('%j → %s on a full contact, %s without the attribute', (condition, onFull, onEmpty) => {
    expect(test(full, condition)).toBe(onFull);
    expect(test(empty, condition)).toBe(onEmpty);
    // The same rules pass the check: the table holds only valid conditions.
    expect(() => checkRules(one(condition), { definitions })).not.toThrow();
  });

  it('covers every operator the field kinds allow', () => {
    const used = new Set(table.map(([c]) => c.op));
    expect([...used].sort()).toEqual([...operators].sort());
    for (const kind of Object.keys(operatorsByKind)) expect(kind).toBeTruthy();
  });

  it('nests any / all groups', () => {
    const rules: RuleTree = {
      match: 'all',
      conditions: [
        { field: 'status', op: 'eq', value: 'active' },
        {
          match: 'any',
          conditions: [
            { field: 'city', op: 'eq', value: 'Kaohsiung' },
            { match: 'all', conditions: [{ field: 'custom.level', op: 'eq', value: 'gold' }, { field: 'score', op: 'gte', value: 40 }] },
          ],
        },
      ],
    };
    expect(matches(full, rules, context)).toBe(true);
    expect(matches({ ...full, score: 10 }, rules, context)).toBe(false);
    expect(matches({ ...full, score: 10, city: 'kaohsiung' }, rules, context)).toBe(true);
    expect(matches(empty, rules, context)).toBe(false);
  });

  it('ignores a deleted group still listed on a contact (clean-up is best effort)', () => {
    expect(matches(full, one({ field: 'groups', op: 'contains', value: 'GDELETED' }), context)).toBe(false);
    expect(matches({ ...full, groups: ['GDELETED'] }, one({ field: 'groups', op: 'exists' }), context)).toBe(false);
  });

  it('never matches a condition on a custom field deleted since the rules were saved', () => {
    const rules = one({ field: 'custom.level', op: 'eq', value: 'gold' });
    const without = evaluationContext({ ...definitions, fields: definitions.fields.filter((f) => f.name !== 'level') }, now);
    expect(matches(full, rules, without)).toBe(false);
  });

  it('reads projected contacts and a DynamoDB string set of groups', () => {
    expect(matches({ id: 'x', groups: new Set(['G2']) } as unknown as ContactRecord, one({ field: 'groups', op: 'contains', value: 'G2' }), context)).toBe(true);
  });
});

function errorsOf(rules: unknown, visibleGroups?: Set<string>): readonly { field: string; message: string }[] {
  try {
    checkRules(rules, { definitions, ...(visibleGroups ? { visibleGroups } : {}) });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors ?? [];
  }
  return [];
}

describe('checkRules: the 400 names the offending path', () => {
  it('refuses an operator the field type does not take', () => {
    expect(errorsOf({ match: 'all', conditions: [{ field: 'city', op: 'eq', value: 'Taipei' }, { field: 'custom.vip', op: 'gt', value: 1 }] })).toEqual([
      { field: 'rules.conditions.1.op', message: expect.stringContaining('eq, neq, exists, notExists') },
    ]);
    expect(errorsOf(one({ field: 'tags', op: 'startsWith', value: 'v' }))[0]?.field).toBe('rules.conditions.0.op');
    expect(errorsOf(one({ field: 'createdAt', op: 'eq', value: '2025-01-01' }))[0]?.field).toBe('rules.conditions.0.op');
  });

  it('checks values per type, naming list elements', () => {
    expect(errorsOf(one({ field: 'score', op: 'gt', value: 'ten' }))).toEqual([{ field: 'rules.conditions.0.value', message: 'Must be a number' }]);
    expect(errorsOf(one({ field: 'birthday', op: 'eq', value: '1990-02-30' }))[0]?.field).toBe('rules.conditions.0.value');
    expect(errorsOf(one({ field: 'status', op: 'in', value: ['active', 'gone'] }))).toEqual([
      { field: 'rules.conditions.0.value.1', message: expect.stringContaining('active') },
    ]);
    expect(errorsOf(one({ field: 'custom.hobbies', op: 'contains', value: 'chess' }))[0]?.message).toContain('golf');
    expect(errorsOf(one({ field: 'score', op: 'between', value: [50, 40] }))[0]?.message).toBe('from must not be after to');
    expect(errorsOf(one({ field: 'custom.joined', op: 'withinDays', value: -1 }))[0]?.field).toBe('rules.conditions.0.value');
    expect(errorsOf(one({ field: 'email', op: 'exists', value: 'x' }))[0]?.message).toBe('exists takes no value');
    expect(errorsOf(one({ field: 'email', op: 'eq' }))[0]?.message).toBe('Required');
  });

  it('knows the workspace: custom fields, groups (only visible ones), categories', () => {
    expect(errorsOf(one({ field: 'custom.nope', op: 'exists' }))).toEqual([{ field: 'rules.conditions.0.field', message: 'No custom field nope in this workspace' }]);
    expect(errorsOf(one({ field: 'groups', op: 'contains', value: 'G9' }))[0]?.message).toBe('No group G9 in this workspace');
    expect(errorsOf(one({ field: 'groups', op: 'contains', value: 'GX' }), new Set(['G1', 'G2']))[0]?.message).toBe('No group GX in this workspace');
    expect(errorsOf(one({ field: 'category', op: 'eq', value: 'C9' }))[0]?.field).toBe('rules.conditions.0.value');
    expect(errorsOf(one({ field: 'password', op: 'exists' }))[0]?.message).toContain('Not a field');
  });

  it('checks the shape: groups, nesting depth, unknown keys', () => {
    expect(errorsOf(undefined)).toEqual([{ field: 'rules', message: 'Required' }]);
    expect(errorsOf({ match: 'some', conditions: [] })).toEqual([
      { field: 'rules.match', message: 'Must be all or any' },
      { field: 'rules.conditions', message: expect.stringContaining('1 to 50') },
    ]);
    const deep = { match: 'all', conditions: [{ match: 'any', conditions: [{ match: 'all', conditions: [{ match: 'all', conditions: [{ field: 'city', op: 'exists' }] }] }] }] };
    expect(errorsOf(deep)).toEqual([{ field: 'rules.conditions.0.conditions.0.conditions.0', message: 'Groups nest at most 3 levels deep' }]);
    expect(errorsOf({ match: 'all', conditions: [{ field: 'city', op: 'exists', extra: 1 }] })).toEqual([{ field: 'rules.conditions.0.extra', message: 'Unknown field' }]);
    expect(errorsOf({ field: 'city', op: 'exists' })[0]?.message).toContain('group');
  });

  it('lists the attributes to project', () => {
    const rules: RuleTree = {
      match: 'any',
      conditions: [{ field: 'custom.level', op: 'eq', value: 'gold' }, { field: 'category', op: 'in', value: ['C1', 'C2'] }, { field: 'score', op: 'gt', value: 1 }],
    };
    expect(attributesOf(rules, definitions.fields)).toEqual(['custom.F1', 'score', 'subscriptions.C1', 'subscriptions.C2']);
  });
});
