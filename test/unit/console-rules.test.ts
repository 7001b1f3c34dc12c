import { describe, expect, test } from 'vitest';
import { operatorsByKind, standardRuleFields, type FieldKind as ApiKind } from '../../shared/segments/rules';
import { type CustomField, type RuleTree } from '../../console/src/catalog-api';
import { completeRules, depthOf, errorsByNode, newCondition, opsByKind, replaceAt, ruleFields, updateGroupAt, type FieldKind } from '../../console/src/rules';

/** How the API classifies each kind the console's builder uses. */
const apiKind: Record<FieldKind, ApiKind> = {
  text: 'text',
  number: 'number',
  date: 'date',
  timestamp: 'datetime',
  boolean: 'boolean',
  choice: 'choice',
  multi: 'list',
  group: 'list',
  category: 'category',
};

const field = (name: string, type: CustomField['type'], options?: string[]): CustomField => ({
  name,
  label: { 'zh-TW': name },
  type,
  required: false,
  validation: options ? { options } : {},
  inUse: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

const defs = {
  fields: [field('level', 'single_choice', ['金卡', '銀卡']), field('spend', 'number'), field('interests', 'multi_choice', ['旅遊']), field('vip', 'boolean'), field('joined', 'date')],
  groups: [{ id: 'g1', name: 'VIP', sharedWith: [], createdAt: '', updatedAt: '', version: 1 }],
  categories: [{ id: 'c1', name: '產品新訊', createdAt: '', updatedAt: '', version: 1 }],
};

describe('segment rule builder model', () => {
  const fields = ruleFields(defs, (key) => key, (f) => f.name);

  test('offers only fields and operators the API accepts, of the kind the API gives each field', () => {
    for (const f of fields) {
      if (f.id.startsWith('custom.')) continue;
      expect(standardRuleFields[f.id], f.id).toBe(apiKind[f.kind]);
    }
    for (const [kind, ops] of Object.entries(opsByKind) as [FieldKind, readonly string[]][]) {
      for (const op of ops) expect(operatorsByKind[apiKind[kind]], `${kind} ${op}`).toContain(op);
    }
  });

  test('custom fields appear by type, with their choices', () => {
    const byId = new Map(fields.map((f) => [f.id, f]));
    expect(byId.get('custom.level')?.kind).toBe('choice');
    expect(byId.get('custom.level')?.options?.map((o) => o.value)).toEqual(['金卡', '銀卡']);
    expect(byId.get('custom.spend')?.kind).toBe('number');
    expect(byId.get('custom.interests')?.kind).toBe('multi');
    expect(byId.get('custom.vip')?.kind).toBe('boolean');
    expect(byId.get('custom.joined')?.kind).toBe('date');
    expect(byId.get('groups')?.options).toEqual([{ value: 'g1', label: 'VIP' }]);
    expect(byId.get('category')?.options).toEqual([{ value: 'c1', label: '產品新訊' }]);
    expect(opsByKind.number).not.toContain('startsWith');
    expect(opsByKind.text).not.toContain('gt');
  });

  test('a new condition starts with a value that fits its field', () => {
    const status = fields.find((f) => f.id === 'status');
    expect(newCondition(status)).toEqual({ field: 'status', op: 'eq', value: 'active' });
    expect(newCondition(fields.find((f) => f.id === 'groups'))).toEqual({ field: 'groups', op: 'contains', value: 'g1' });
    expect(newCondition(fields.find((f) => f.id === 'lastOpenAt'))).toEqual({ field: 'lastOpenAt', op: 'withinDays', value: 30 });
  });

  test('edits by path reach nested groups, and depth is counted', () => {
    const tree: RuleTree = {
      match: 'all',
      conditions: [
        { field: 'status', op: 'eq', value: 'active' },
        { match: 'any', conditions: [{ field: 'score', op: 'gte', value: 10 }] },
      ],
    };
    expect(depthOf(tree)).toBe(2);
    const deeper = updateGroupAt(tree, [1], (g) => ({ ...g, conditions: [...g.conditions, { match: 'all', conditions: [{ field: 'tags', op: 'contains', value: 'vip' }] }] }));
    expect(depthOf(deeper)).toBe(3);
    const changed = replaceAt(deeper, [1, 0], { field: 'score', op: 'lt', value: 5 });
    expect((changed.conditions[1] as RuleTree).conditions[0]).toEqual({ field: 'score', op: 'lt', value: 5 });
    expect(tree.conditions[1]).toEqual({ match: 'any', conditions: [{ field: 'score', op: 'gte', value: 10 }] });
    const removed = replaceAt(changed, [1, 1], undefined);
    expect(depthOf(removed)).toBe(2);
  });

  test('half-filled rules are not sent for a count; complete ones are', () => {
    expect(completeRules({ match: 'all', conditions: [] })).toBeUndefined();
    expect(completeRules({ match: 'all', conditions: [{ field: 'email', op: 'eq', value: '' }] })).toBeUndefined();
    expect(completeRules({ match: 'all', conditions: [{ field: 'score', op: 'between', value: [1, ''] }] })).toBeUndefined();
    expect(completeRules({ match: 'all', conditions: [{ match: 'any', conditions: [] }] })).toBeUndefined();
    const ok: RuleTree = { match: 'all', conditions: [{ field: 'email', op: 'exists' }, { field: 'score', op: 'between', value: [1, 5] }] };
    expect(completeRules(ok)).toBe(ok);
  });

  test('the API\'s problems land on the condition or group they name', () => {
    const map = errorsByNode([
      { field: 'rules.conditions.1.value', message: 'Must be a number' },
      { field: 'rules.conditions.2.conditions.0.value.1', message: 'Must be a date' },
      { field: 'rules.conditions.2.conditions', message: 'Must be a list' },
      { field: 'rules.conditions', message: 'Must be a list' },
    ]);
    expect(map.get('conditions.1')).toEqual(['Must be a number']);
    expect(map.get('conditions.2.conditions.0')).toEqual(['Must be a date']);
    expect(map.get('conditions.2')).toEqual(['Must be a list']);
    expect(map.get('')).toEqual(['Must be a list']);
  });
});
