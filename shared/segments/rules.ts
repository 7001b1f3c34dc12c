/**
 * Segment rules: a tree of AND / OR groups over contact fields, custom fields, groups, newsletter
 * categories, status, score and dates (OMICard 客戶分眾). Parsed in two steps: zod checks the
 * shape (nesting ≤ 3 levels), then `checkRules` checks every condition against the field's type
 * and the workspace's definitions, naming each offending value by its path (`rules.conditions.1.value`).
 *
 * Semantics every evaluator keeps (evaluate.ts is the only one):
 * - a missing attribute matches nothing except `neq` and `notExists` (`neq` is "not eq");
 * - text compares case- and width-insensitively; dates compare as YYYY-MM-DD, timestamps in UTC;
 * - list fields (tags, groups, multi-choice): `contains` holds the value, `neq` does not,
 *   `in` holds any of the values, `exists` / `notExists` non-empty / empty;
 * - `category` with `eq` means subscribed to that category, `neq` not subscribed;
 * - `withinDays: n` is within the last n days (up to now), `olderThanDays: n` before that.
 */
import { z } from 'zod';
import { contactStatuses, genders } from '../contacts/contact';
import type { CustomFieldDefinition, Definitions } from '../contacts/definitions';
import { ValidationError, type FieldError } from '../errors';

export const operators = [
  'eq',
  'neq',
  'contains',
  'startsWith',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'exists',
  'notExists',
  'withinDays',
  'olderThanDays',
] as const;
export type Operator = (typeof operators)[number];

export type ConditionValue = string | number | boolean | readonly (string | number)[];

export interface Condition {
  readonly field: string;
  readonly op: Operator;
  readonly value?: ConditionValue;
}

export interface RuleTree {
  readonly match: 'all' | 'any';
  readonly conditions: readonly (Condition | RuleTree)[];
}

export const isRuleTree = (node: Condition | RuleTree): node is RuleTree => 'match' in node;

export const maxDepth = 3;
export const maxConditions = 50;
const maxInValues = 100;
const maxDays = 36_500;

/** How a field compares, which decides the operators it takes. */
export type FieldKind = 'text' | 'choice' | 'number' | 'date' | 'datetime' | 'boolean' | 'list' | 'category';

export const operatorsByKind: Readonly<Record<FieldKind, readonly Operator[]>> = {
  text: ['eq', 'neq', 'contains', 'startsWith', 'in', 'exists', 'notExists'],
  choice: ['eq', 'neq', 'in', 'exists', 'notExists'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'exists', 'notExists'],
  date: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'notExists', 'withinDays', 'olderThanDays'],
  datetime: ['gt', 'gte', 'lt', 'lte', 'between', 'exists', 'notExists', 'withinDays', 'olderThanDays'],
  boolean: ['eq', 'neq', 'exists', 'notExists'],
  list: ['contains', 'neq', 'in', 'exists', 'notExists'],
  category: ['eq', 'neq', 'in'],
};

/** Standard fields rules may name, by kind; `groups`/`category` values are ids checked against the definitions. */
export const standardRuleFields: Readonly<Record<string, FieldKind>> = {
  email: 'text',
  mobile: 'text',
  fax: 'text',
  name: 'text',
  company: 'text',
  title: 'text',
  city: 'text',
  address: 'text',
  language: 'text',
  departmentId: 'text',
  gender: 'choice',
  status: 'choice',
  birthday: 'date',
  score: 'number',
  tags: 'list',
  groups: 'list',
  category: 'category',
  createdAt: 'datetime',
  updatedAt: 'datetime',
  lastOpenAt: 'datetime',
  lastClickAt: 'datetime',
};

const standardChoices: Readonly<Record<string, readonly string[]>> = { gender: genders, status: contactStatuses };

const customKinds: Readonly<Record<CustomFieldDefinition['type'], FieldKind>> = {
  text: 'text',
  number: 'number',
  date: 'date',
  boolean: 'boolean',
  single_choice: 'choice',
  multi_choice: 'list',
};

/** A field as rules see it: its kind, the choices it allows (if limited) and where it is stored. */
export interface ResolvedField {
  readonly kind: FieldKind;
  readonly choices?: readonly string[];
  /** Stored attribute path: `email`, `custom.<fieldId>`, or `subscriptions` for category. */
  readonly path: readonly string[];
  readonly custom?: CustomFieldDefinition;
}

export function resolveField(field: string, fields: readonly CustomFieldDefinition[]): ResolvedField | undefined {
  if (field.startsWith('custom.')) {
    const definition = fields.find((f) => f.name === field.slice('custom.'.length));
    if (!definition) return undefined;
    return {
      kind: customKinds[definition.type],
      ...(definition.validation.options ? { choices: definition.validation.options } : {}),
      path: ['custom', definition.id],
      custom: definition,
    };
  }
  if (!Object.hasOwn(standardRuleFields, field)) return undefined;
  const kind = standardRuleFields[field] as FieldKind;
  return { kind, ...(standardChoices[field] ? { choices: standardChoices[field] } : {}), path: [field === 'category' ? 'subscriptions' : field] };
}

// ---- shape ---------------------------------------------------------------------------------

const conditionSchema = z.strictObject({
  field: z.string().min(1).max(100),
  op: z.enum(operators),
  value: z.union([z.string().max(500), z.number(), z.boolean(), z.array(z.union([z.string().max(500), z.number()])).max(maxInValues)]).optional(),
});

type TreeInput = { match: 'all' | 'any'; conditions: (z.infer<typeof conditionSchema> | TreeInput)[] };

const treeAt = (depth: number): z.ZodType<TreeInput> =>
  z.strictObject({
    match: z.enum(['all', 'any']),
    conditions: z
      .array(depth < maxDepth ? z.union([conditionSchema, z.lazy(() => treeAt(depth + 1))]) : conditionSchema)
      .min(1, { message: 'Give at least one condition' })
      .max(maxConditions, { message: `At most ${maxConditions} conditions per group` }),
  }) as unknown as z.ZodType<TreeInput>;

/** The rule tree's shape for the API document (`checkRules` is what checks input). Nesting ≤ 3 levels. */
export const ruleTreeSchema = treeAt(1).meta({
  description:
    '`{ match: all|any, conditions: [...] }`; a condition is `{ field, op, value? }` or another group (at most 3 levels). ' +
    'Fields: standard contact fields, custom.<name>, groups (group id), category (category id: subscribed), status, score, tags, ' +
    'createdAt, updatedAt, lastOpenAt, lastClickAt. Operators per field type: text eq neq contains startsWith in exists notExists; ' +
    'number eq neq gt gte lt lte between in exists notExists; date adds withinDays olderThanDays; lists contains neq in exists notExists.',
});

// ---- values ----------------------------------------------------------------------------------

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const realDate = (text: string) => isoDate.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
const realTimestamp = (text: string) => realDate(text) || (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text)));

export interface RuleCheckContext {
  readonly definitions: Definitions;
  /** Group ids the principal may name (others look nonexistent); default: every group. */
  readonly visibleGroups?: ReadonlySet<string>;
}

/** Why one scalar is not a value of the field (undefined when it is). */
function scalarProblem(resolved: ResolvedField, field: string, value: unknown, context: RuleCheckContext): string | undefined {
  switch (resolved.kind) {
    case 'text':
      return typeof value === 'string' && value.trim() !== '' ? undefined : 'Must be non-empty text';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'Must be a number';
    case 'date':
      return typeof value === 'string' && realDate(value) ? undefined : 'Must be a date as YYYY-MM-DD';
    case 'datetime':
      return typeof value === 'string' && realTimestamp(value) ? undefined : 'Must be a date (YYYY-MM-DD) or an ISO 8601 time';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'Must be true or false';
    case 'choice':
    case 'list': {
      if (typeof value !== 'string' || value === '') return 'Must be text';
      if (field === 'groups') {
        const known = context.definitions.groups.some((g) => g.id === value) && (!context.visibleGroups || context.visibleGroups.has(value));
        return known ? undefined : `No group ${value} in this workspace`;
      }
      if (resolved.choices && !resolved.choices.includes(value)) return `Must be one of: ${resolved.choices.join(', ')}`;
      return undefined;
    }
    case 'category':
      return typeof value === 'string' && context.definitions.categories.some((c) => c.id === value) ? undefined : `No category ${String(value)} in this workspace`;
  }
}

function checkCondition(condition: Condition, path: string, context: RuleCheckContext, errors: FieldError[]): void {
  const resolved = resolveField(condition.field, context.definitions.fields);
  if (!resolved) {
    errors.push({
      field: `${path}.field`,
      message: condition.field.startsWith('custom.') ? `No custom field ${condition.field.slice(7)} in this workspace` : `Not a field rules can use: ${condition.field}`,
    });
    return;
  }
  const allowed = operatorsByKind[resolved.kind];
  if (!allowed.includes(condition.op)) {
    errors.push({ field: `${path}.op`, message: `${condition.field} takes ${allowed.join(', ')}` });
    return;
  }
  const value = condition.value;
  const at = `${path}.value`;
  const push = (message: string): void => void errors.push({ field: at, message });
  switch (condition.op) {
    case 'exists':
    case 'notExists':
      if (value !== undefined) push(`${condition.op} takes no value`);
      return;
    case 'withinDays':
    case 'olderThanDays':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > maxDays) push(`Must be a whole number of days from 0 to ${maxDays}`);
      return;
    case 'in': {
      if (!Array.isArray(value) || value.length === 0) return push(`Must be a list of 1 to ${maxInValues} values`);
      value.forEach((item, i) => {
        const problem = scalarProblem(resolved, condition.field, item, context);
        if (problem) errors.push({ field: `${at}.${i}`, message: problem });
      });
      return;
    }
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) return push('Must be a list of two values: [from, to]');
      const problems = value.map((item) => scalarProblem(resolved, condition.field, item, context));
      problems.forEach((problem, i) => problem && errors.push({ field: `${at}.${i}`, message: problem }));
      if (problems.every((p) => p === undefined) && bound(resolved.kind, value[0]) > bound(resolved.kind, value[1])) push('from must not be after to');
      return;
    }
    case 'contains':
    case 'startsWith':
    case 'eq':
    case 'neq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (value === undefined) return push('Required');
      if (Array.isArray(value)) return push('Must be a single value (use in for a list)');
      const problem = scalarProblem(resolved, condition.field, value, context);
      if (problem) push(problem);
    }
  }
}

/** A comparable form of a between bound (numbers, or epoch ms for dates and times). */
function bound(kind: FieldKind, value: unknown): number {
  if (kind === 'number') return value as number;
  return Date.parse(isoDate.test(String(value)) ? `${String(value)}T00:00:00Z` : String(value));
}

const treeKeys = new Set(['match', 'conditions']);
const conditionKeys = new Set(['field', 'op', 'value']);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/**
 * Checks the shape by hand rather than through a zod union, so an error names the exact
 * element (`rules.conditions.1.op`) instead of "no union member matched" at the condition.
 */
function walk(node: unknown, path: string, depth: number, context: RuleCheckContext, errors: FieldError[]): void {
  if (!isObject(node)) {
    errors.push({ field: path, message: 'Must be a condition { field, op, value? } or a group { match, conditions }' });
    return;
  }
  if ('match' in node || 'conditions' in node) {
    if (depth > maxDepth) return void errors.push({ field: path, message: `Groups nest at most ${maxDepth} levels deep` });
    for (const key of Object.keys(node)) if (!treeKeys.has(key)) errors.push({ field: `${path}.${key}`, message: 'Unknown field' });
    if (node.match !== 'all' && node.match !== 'any') errors.push({ field: `${path}.match`, message: 'Must be all or any' });
    const conditions = node.conditions;
    if (!Array.isArray(conditions) || conditions.length === 0 || conditions.length > maxConditions) {
      return void errors.push({ field: `${path}.conditions`, message: `Must be a list of 1 to ${maxConditions} conditions` });
    }
    conditions.forEach((child, i) => walk(child, `${path}.conditions.${i}`, depth + 1, context, errors));
    return;
  }
  if (depth === 1) return void errors.push({ field: path, message: 'Must be a group { match, conditions }' });
  const before = errors.length;
  for (const key of Object.keys(node)) if (!conditionKeys.has(key)) errors.push({ field: `${path}.${key}`, message: 'Unknown field' });
  if (typeof node.field !== 'string' || node.field === '') errors.push({ field: `${path}.field`, message: 'Required' });
  if (!operators.includes(node.op as Operator)) errors.push({ field: `${path}.op`, message: `Must be one of: ${operators.join(', ')}` });
  const value = node.value;
  if (value !== undefined && !isScalar(value) && !(Array.isArray(value) && value.length <= maxInValues && value.every((v) => typeof v === 'string' || typeof v === 'number'))) {
    errors.push({ field: `${path}.value`, message: `Must be text, a number, true/false or a list of up to ${maxInValues} values` });
  }
  if (typeof value === 'string' && value.length > 500) errors.push({ field: `${path}.value`, message: 'At most 500 characters' });
  if (errors.length === before) checkCondition(node as unknown as Condition, path, context, errors);
}

/**
 * Parses and checks rules against the workspace's definitions (and what the principal may see);
 * throws a ValidationError naming every offending path under `root` (e.g. `rules.conditions.1.value`).
 */
export function checkRules(input: unknown, context: RuleCheckContext, root = 'rules'): RuleTree {
  if (input === undefined || input === null) throw new ValidationError(`Invalid ${root}`, [{ field: root, message: 'Required' }]);
  const errors: FieldError[] = [];
  walk(input, root, 1, context, errors);
  if (errors.length > 0) throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  return input as RuleTree;
}

/** The stored attribute paths the rules read (for a projection): e.g. `status`, `custom.<fieldId>`. */
export function attributesOf(tree: RuleTree, fields: readonly CustomFieldDefinition[]): string[] {
  const paths = new Set<string>();
  const visit = (node: RuleTree | Condition) => {
    if (isRuleTree(node)) return node.conditions.forEach(visit);
    const resolved = resolveField(node.field, fields);
    if (!resolved) return;
    if (resolved.kind === 'category') {
      const ids = Array.isArray(node.value) ? node.value : [node.value];
      ids.forEach((id) => paths.add(`subscriptions.${String(id)}`));
    } else paths.add(resolved.path.join('.'));
  };
  visit(tree);
  return [...paths].sort();
}
