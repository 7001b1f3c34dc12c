/**
 * The one evaluator of segment rules. Pure: the API (counts, previews), the export worker and any
 * future sender call it on contacts as stored (custom values keyed by field id), whole or
 * projected to the attributes the rules read (see rules.ts for the semantics).
 */
import { searchKey } from '../contacts/contact';
import type { CustomFieldDefinition, Definitions } from '../contacts/definitions';
import { isRuleTree, resolveField, type Condition, type ConditionValue, type FieldKind, type ResolvedField, type RuleTree } from './rules';

/** A stored contact, possibly projected: only the attributes the rules read need be present. */
export type ContactRecord = Readonly<Record<string, unknown>>;

export interface EvaluationContext {
  readonly now: Date;
  readonly fields: readonly CustomFieldDefinition[];
  /** Existing group and category ids: leftovers of deleted ones on a contact never match. */
  readonly groupIds: ReadonlySet<string>;
  readonly categoryIds: ReadonlySet<string>;
}

export function evaluationContext(definitions: Definitions, now: Date): EvaluationContext {
  return {
    now,
    fields: definitions.fields,
    groupIds: new Set(definitions.groups.map((g) => g.id)),
    categoryIds: new Set(definitions.categories.map((c) => c.id)),
  };
}

const dayMs = 86_400_000;

function read(contact: ContactRecord, path: readonly string[]): unknown {
  let value: unknown = contact;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const isMissing = (value: unknown) => value === undefined || value === null || value === '';

const listOf = (value: unknown): string[] => (value instanceof Set ? [...(value as Set<string>)] : Array.isArray(value) ? (value as string[]) : []);

/** Epoch ms of a stored or given date / time; YYYY-MM-DD is the start of that day, UTC. */
const timeOf = (value: unknown): number => {
  const text = String(value);
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
};

function compare(kind: FieldKind, stored: unknown, given: ConditionValue | undefined): number {
  if (kind === 'number') return (stored as number) - (given as number);
  if (kind === 'date') return String(stored).localeCompare(String(given));
  return timeOf(stored) - timeOf(given);
}

function textEquals(stored: unknown, given: unknown): boolean {
  return typeof stored === 'string' && searchKey(stored) === searchKey(String(given));
}

function scalarEquals(kind: FieldKind, stored: unknown, given: unknown): boolean {
  if (kind === 'text') return textEquals(stored, given);
  if (kind === 'datetime') return timeOf(stored) === timeOf(given);
  return stored === given;
}

function evaluateList(condition: Condition, values: string[]): boolean {
  switch (condition.op) {
    case 'contains':
      return values.includes(String(condition.value));
    case 'neq':
      return !values.includes(String(condition.value));
    case 'in':
      return (condition.value as readonly string[]).some((v) => values.includes(String(v)));
    case 'exists':
      return values.length > 0;
    case 'notExists':
      return values.length === 0;
    default:
      return false;
  }
}

function evaluateCondition(contact: ContactRecord, condition: Condition, resolved: ResolvedField, context: EvaluationContext): boolean {
  const { kind } = resolved;
  if (kind === 'category') {
    const subscribed = (id: unknown) => context.categoryIds.has(String(id)) && read(contact, ['subscriptions', String(id)]) === 'subscribed';
    if (condition.op === 'eq') return subscribed(condition.value);
    if (condition.op === 'neq') return !subscribed(condition.value);
    return (condition.value as readonly string[]).some(subscribed);
  }
  let stored = read(contact, resolved.path);
  if (kind === 'list') {
    const values = listOf(stored);
    return evaluateList(condition, condition.field === 'groups' ? values.filter((id) => context.groupIds.has(id)) : values);
  }
  // Contacts stored before scores existed have none: it counts as 0, as in list filters.
  if (condition.field === 'score' && stored === undefined) stored = 0;
  const missing = isMissing(stored) || (kind === 'number' && typeof stored !== 'number') || (kind === 'boolean' && typeof stored !== 'boolean');
  if (condition.op === 'notExists') return missing;
  if (condition.op === 'neq') return missing || !scalarEquals(kind, stored, condition.value);
  if (missing) return false;
  const value = condition.value;
  switch (condition.op) {
    case 'exists':
      return true;
    case 'eq':
      return scalarEquals(kind, stored, value);
    case 'in':
      return (value as readonly (string | number)[]).some((v) => scalarEquals(kind, stored, v));
    case 'contains':
      return typeof stored === 'string' && searchKey(stored).includes(searchKey(String(value)));
    case 'startsWith':
      return typeof stored === 'string' && searchKey(stored).startsWith(searchKey(String(value)));
    case 'gt':
      return compare(kind, stored, value) > 0;
    case 'gte':
      return compare(kind, stored, value) >= 0;
    case 'lt':
      return compare(kind, stored, value) < 0;
    case 'lte':
      return compare(kind, stored, value) <= 0;
    case 'between': {
      const [from, to] = value as readonly [string | number, string | number];
      if (compare(kind, stored, from) < 0) return false;
      // An upper date bound on a timestamp includes that whole day.
      if (kind === 'datetime' && /^\d{4}-\d{2}-\d{2}$/.test(String(to))) return timeOf(stored) < timeOf(to) + dayMs;
      return compare(kind, stored, to) <= 0;
    }
    case 'withinDays':
    case 'olderThanDays': {
      const at = kind === 'date' ? timeOf(String(stored).slice(0, 10)) : timeOf(stored);
      if (Number.isNaN(at)) return false;
      const now = context.now.getTime();
      // Dates count whole days: "within 0 days" is today.
      const since = kind === 'date' ? timeOf(context.now.toISOString().slice(0, 10)) - (value as number) * dayMs : now - (value as number) * dayMs;
      return condition.op === 'withinDays' ? at >= since && at <= now : at < since;
    }
    default:
      return false;
  }
}

// Field lookups per context, so a million contacts do not search the definitions a million times.
const resolvedFields = new WeakMap<EvaluationContext, Map<string, ResolvedField | undefined>>();

function resolved(context: EvaluationContext, field: string): ResolvedField | undefined {
  let cache = resolvedFields.get(context);
  if (!cache) resolvedFields.set(context, (cache = new Map()));
  if (!cache.has(field)) cache.set(field, resolveField(field, context.fields));
  return cache.get(field);
}

/** Whether the contact meets the rules. Conditions naming fields that no longer exist match nothing. */
export function matches(contact: ContactRecord, rules: RuleTree, context: EvaluationContext): boolean {
  const test = (node: Condition | RuleTree): boolean => {
    if (isRuleTree(node)) return matches(contact, node, context);
    const field = resolved(context, node.field);
    return field ? evaluateCondition(contact, node, field, context) : false;
  };
  return rules.match === 'all' ? rules.conditions.every(test) : rules.conditions.some(test);
}
