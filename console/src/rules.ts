/**
 * The segment rule builder's model, pure so a unit test can exercise it: which fields a rule may
 * test, the kind of value each holds, the operators that make sense for that kind, and edits of
 * the rule tree by index path. The API judges the rules again (team contract, Addendum 2).
 */
import { type Category, type Condition, type CustomField, type Group, type RuleOp, type RuleTree, type RuleValue } from './catalog-api';

/** How a field's values compare. `timestamp`: contact times (ISO instants) compared by day. */
export type FieldKind = 'text' | 'number' | 'date' | 'timestamp' | 'boolean' | 'choice' | 'multi' | 'group' | 'category';

export interface RuleField {
  /** As the API names it: `email`, `custom.size`, `groups`, `category`, `score` … */
  readonly id: string;
  readonly kind: FieldKind;
  /** An i18n key for standard fields, the field's label for custom ones. */
  readonly label: { readonly key: string } | { readonly text: string };
  /** Choices (value, label) for choice, multi, group and category fields. */
  readonly options?: readonly { readonly value: string; readonly label: string }[];
  readonly section: 'standard' | 'custom' | 'membership' | 'activity';
}

/** Nesting limit of the contract: the root group and two levels of groups inside it. */
export const maxDepth = 3;

export const opsByKind: Readonly<Record<FieldKind, readonly RuleOp[]>> = {
  text: ['eq', 'neq', 'contains', 'startsWith', 'in', 'exists', 'notExists'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'exists', 'notExists'],
  date: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'withinDays', 'olderThanDays', 'exists', 'notExists'],
  timestamp: ['withinDays', 'olderThanDays', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'notExists'],
  boolean: ['eq', 'neq', 'exists', 'notExists'],
  choice: ['eq', 'neq', 'in', 'exists', 'notExists'],
  multi: ['contains', 'neq', 'in', 'exists', 'notExists'],
  group: ['contains', 'neq', 'in', 'exists', 'notExists'],
  category: ['eq', 'neq', 'in'],
};

const standardText = ['email', 'mobile', 'fax', 'name', 'company', 'title', 'city', 'address', 'language'] as const;
const statuses = ['active', 'unsubscribed', 'bounced', 'complained'] as const;
const genders = ['female', 'male', 'other'] as const;

/**
 * Every field a rule may test, in picker order. `t` names standard choices (status, gender);
 * custom fields carry their own labels.
 */
export function ruleFields(
  defs: { fields: readonly CustomField[]; groups: readonly Group[]; categories: readonly Category[] },
  t: (key: string) => string,
  labelOf: (field: CustomField) => string,
): RuleField[] {
  const list: RuleField[] = [
    ...standardText.map((id): RuleField => ({ id, kind: 'text', label: { key: `field.${id}` }, section: 'standard' })),
    { id: 'gender', kind: 'choice', label: { key: 'field.gender' }, section: 'standard', options: genders.map((g) => ({ value: g, label: t(`gender.${g}`) })) },
    { id: 'birthday', kind: 'date', label: { key: 'field.birthday' }, section: 'standard' },
    { id: 'tags', kind: 'multi', label: { key: 'field.tags' }, section: 'standard' },
    { id: 'status', kind: 'choice', label: { key: 'field.status' }, section: 'standard', options: statuses.map((s) => ({ value: s, label: t(`status.${s}`) })) },
    { id: 'score', kind: 'number', label: { key: 'catalog.field.score' }, section: 'standard' },
    { id: 'groups', kind: 'group', label: { key: 'catalog.field.groups' }, section: 'membership', options: defs.groups.map((g) => ({ value: g.id, label: g.name })) },
    { id: 'category', kind: 'category', label: { key: 'catalog.field.category' }, section: 'membership', options: defs.categories.map((c) => ({ value: c.id, label: c.name })) },
    ...defs.fields.map((field): RuleField => ({
      id: `custom.${field.name}`,
      kind: kindOfCustom(field),
      label: { text: labelOf(field) },
      section: 'custom',
      ...(field.validation.options ? { options: field.validation.options.map((o) => ({ value: o, label: o })) } : {}),
    })),
    { id: 'createdAt', kind: 'timestamp', label: { key: 'catalog.field.createdAt' }, section: 'activity' },
    { id: 'updatedAt', kind: 'timestamp', label: { key: 'catalog.field.updatedAt' }, section: 'activity' },
    { id: 'lastOpenAt', kind: 'timestamp', label: { key: 'catalog.field.lastOpenAt' }, section: 'activity' },
    { id: 'lastClickAt', kind: 'timestamp', label: { key: 'catalog.field.lastClickAt' }, section: 'activity' },
  ];
  return list;
}

export function kindOfCustom(field: Pick<CustomField, 'type'>): FieldKind {
  switch (field.type) {
    case 'text':
      return 'text';
    case 'number':
      return 'number';
    case 'date':
      return 'date';
    case 'boolean':
      return 'boolean';
    case 'single_choice':
      return 'choice';
    case 'multi_choice':
      return 'multi';
  }
}

/** What value input an operator needs. */
export type ValueShape = 'none' | 'one' | 'two' | 'list' | 'days';

export function shapeOf(op: RuleOp): ValueShape {
  switch (op) {
    case 'exists':
    case 'notExists':
      return 'none';
    case 'between':
      return 'two';
    case 'in':
      return 'list';
    case 'withinDays':
    case 'olderThanDays':
      return 'days';
    default:
      return 'one';
  }
}

/** A sensible starting value for a field and operator (the first choice where there are choices). */
export function defaultValue(field: RuleField | undefined, op: RuleOp): RuleValue | undefined {
  const shape = shapeOf(op);
  if (shape === 'none') return undefined;
  if (shape === 'days') return 30;
  if (shape === 'list') return [];
  if (shape === 'two') return field?.kind === 'number' ? [0, 100] : ['', ''];
  if (field?.kind === 'boolean') return true;
  if (field?.options && field.options.length > 0 && (field.kind === 'choice' || field.kind === 'group' || field.kind === 'category' || field.kind === 'multi')) {
    return field.options[0]?.value;
  }
  return field?.kind === 'number' ? 0 : '';
}

export function newCondition(field: RuleField | undefined): Condition {
  const op = field ? (opsByKind[field.kind][0] as RuleOp) : 'eq';
  const value = defaultValue(field, op);
  return { field: field?.id ?? 'email', op, ...(value !== undefined ? { value } : {}) };
}

export const isTree = (node: Condition | RuleTree): node is RuleTree => 'conditions' in node;

/** Depth of a tree: 1 for a flat list of conditions. */
export function depthOf(tree: RuleTree): number {
  return 1 + Math.max(0, ...tree.conditions.filter(isTree).map(depthOf));
}

/** Index path of a node inside the tree: [] is the root, [2, 0] the first child of the third. */
export type NodePath = readonly number[];

/** A copy of `tree` with the group at `path` replaced by `change(group)`. */
export function updateGroupAt(tree: RuleTree, path: NodePath, change: (group: RuleTree) => RuleTree): RuleTree {
  if (path.length === 0) return change(tree);
  const [head, ...rest] = path as [number, ...number[]];
  const child = tree.conditions[head];
  if (!child || !isTree(child)) return tree;
  return { ...tree, conditions: tree.conditions.map((node, i) => (i === head ? updateGroupAt(child, rest, change) : node)) };
}

/** A copy of `tree` with the node at `path` (non-empty) replaced, or removed when `next` is undefined. */
export function replaceAt(tree: RuleTree, path: NodePath, next: Condition | RuleTree | undefined): RuleTree {
  const parent = path.slice(0, -1);
  const index = path[path.length - 1] as number;
  return updateGroupAt(tree, parent, (group) => ({
    ...group,
    conditions: next === undefined ? group.conditions.filter((_, i) => i !== index) : group.conditions.map((node, i) => (i === index ? next : node)),
  }));
}

/** The API names problems like `rules.conditions.1.conditions.0.value`; this is that node's prefix. */
export function errorPathOf(path: NodePath): string {
  return path.map((i) => `conditions.${i}`).join('.');
}

/** Field errors of the API keyed by node path (`conditions.1.value` → `conditions.1`), `rules.` dropped. */
export function errorsByNode(errors: readonly { field: string; message: string }[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const error of errors) {
    const field = error.field.replace(/^(body\.)?rules\.?/, '');
    const node = field.replace(/\.(field|op|value)(\.\d+)?$/, '').replace(/(^|\.)(conditions|match)$/, '');
    map.set(node, [...(map.get(node) ?? []), error.message]);
  }
  return map;
}

/**
 * Rules ready to send: conditions whose value is still empty are incomplete, so the preview
 * waits rather than asking the API about half-typed rules. Returns undefined when incomplete.
 */
export function completeRules(tree: RuleTree): RuleTree | undefined {
  const ok = (node: Condition | RuleTree): boolean => {
    // The API wants at least one condition in every group, the outermost included.
    if (isTree(node)) return node.conditions.length > 0 && node.conditions.every(ok);
    const shape = shapeOf(node.op);
    if (shape === 'none') return true;
    const value = node.value;
    if (value === undefined || value === '') return false;
    if (Array.isArray(value)) return value.length > 0 && value.every((v) => v !== '' && v !== undefined);
    return true;
  };
  return ok(tree) ? tree : undefined;
}
