/**
 * Contact use cases. Each takes its ports as `deps`, the acting principal (whose workspace scopes
 * every read and write) and raw input, which is parsed here with the zod schemas.
 * Roles are not checked here: the router enforces every route's role in one place. Which contacts
 * and groups the principal may see and change is (visibility.ts): a contact it cannot read is a
 * 404 as if it did not exist (ids never leak), one it can read but not change is a 403 saying why.
 */
import type { z } from 'zod';
import type { Principal } from '../api/operation';
import { ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import type { FieldError } from '../errors';
import type { Clock } from '../ports/clock';
import { contactFields, hasChannel, type Contact, type CustomValue } from './contact';
import { StaleVersionError, type ContactFilter, type ContactPage, type ContactStore } from './contact-store';
import type { CachedDefinitions, DefinitionStore } from './definition-store';
import { parseCustomValues, valueSchema, type CustomFieldDefinition, type Definitions } from './definitions';
import { ulid } from './ids';
import { createContactSchema, listContactsQuerySchema, updateContactSchema } from './schemas';
import { resolveVisibility, visibleDefinitions, type Directory, type Visibility } from './visibility';

export interface ContactDeps {
  readonly store: ContactStore;
  readonly clock: Clock;
  /** The workspace's custom fields, groups and categories. */
  readonly definitions: DefinitionStore;
  /** Per-container cache in front of `definitions` (none: every call reads them). */
  readonly definitionsCache?: CachedDefinitions;
  /** New contact ids; ULIDs unless a test pins them. */
  readonly newId?: (now: Date) => string;
  /**
   * Departments and users, to check the ones a contact is put in or a group is shared with exist.
   * Without it (tests, tools) those ids go unchecked: an unknown id grants nobody anything.
   */
  readonly directory?: Directory;
}

/** The definitions, from the cache unless `fresh`. */
export function definitionsOf(deps: ContactDeps, workspaceId: string, fresh = false): Promise<Definitions> {
  if (!deps.definitionsCache) return deps.definitions.load(workspaceId);
  return deps.definitionsCache.get(workspaceId, { fresh });
}

/**
 * Stored → API: custom values from field ids to names, and only groups, categories and fields
 * that still exist (a deleted definition's leftovers are invisible before any clean-up ran).
 */
export function presentContact(stored: Contact, defs: Definitions): Contact {
  const groups = new Set(defs.groups.map((g) => g.id));
  const categories = new Set(defs.categories.map((c) => c.id));
  const custom: Record<string, CustomValue> = {};
  for (const field of defs.fields) {
    const value = stored.custom?.[field.id];
    if (value !== undefined) custom[field.name] = value;
  }
  const { scoring: _scoring, ...shown } = stored;
  return {
    ...shown,
    groups: (stored.groups ?? []).filter((id) => groups.has(id)),
    subscriptions: Object.fromEntries(Object.entries(stored.subscriptions ?? {}).filter(([id]) => categories.has(id))),
    custom,
  };
}

/** Contact references to definitions: every group and category named must exist. */
function referenceErrors(defs: Definitions, groups: readonly string[] | undefined, subscriptions: Record<string, unknown> | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const groupIds = new Set(defs.groups.map((g) => g.id));
  const categoryIds = new Set(defs.categories.map((c) => c.id));
  (groups ?? []).forEach((id, i) => {
    if (!groupIds.has(id)) errors.push({ field: `groups.${i}`, message: `No group ${id} in this workspace` });
  });
  for (const [id, state] of Object.entries(subscriptions ?? {})) {
    if (state !== null && !categoryIds.has(id)) errors.push({ field: `subscriptions.${id}`, message: `No category ${id} in this workspace` });
  }
  return errors;
}

interface Checked {
  readonly defs: Definitions;
  readonly custom: Record<string, CustomValue | null>;
}

/**
 * Validates custom values and references against the (cached) definitions; on an error, once more
 * against fresh ones, so a field or group another container created a moment ago is not refused.
 */
async function checkAgainstDefinitions(
  deps: ContactDeps,
  workspaceId: string,
  input: { custom?: unknown; groups?: readonly string[] | null; subscriptions?: Record<string, unknown> },
  mode: 'create' | 'update',
  fresh: boolean,
): Promise<Checked> {
  for (let round = 0; ; round++) {
    const defs = await definitionsOf(deps, workspaceId, fresh || round > 0);
    const parsed = parseCustomValues(defs.fields, input.custom, mode);
    const errors = [...referenceErrors(defs, input.groups ?? undefined, input.subscriptions), ...parsed.errors];
    if (errors.length === 0) return { defs, custom: parsed.values };
    if (round > 0 || fresh || !deps.definitionsCache) {
      throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
    }
  }
}

/**
 * Records that the values about to be written use these fields and choices (before writing them),
 * so a field's type or a stored choice can never be changed away under them. False: a definition
 * changed since it was read; validate again with fresh definitions.
 */
async function markUsage(deps: ContactDeps, workspaceId: string, defs: Definitions, values: Record<string, CustomValue | null>): Promise<boolean> {
  for (const [name, value] of Object.entries(values)) {
    if (value === null) continue;
    const field = defs.fields.find((f) => f.name === name) as CustomFieldDefinition;
    const choices = Array.isArray(value) ? value : field.type === 'single_choice' ? [value as string] : [];
    const newChoices = choices.filter((c) => !field.usedChoices?.includes(c));
    if (field.used && newChoices.length === 0) continue;
    if (!(await deps.definitions.markUsage(workspaceId, field, newChoices))) return false;
    deps.definitionsCache?.invalidate(workspaceId);
  }
  return true;
}

/** Custom values by name → the stored map by field id, on top of `base` (already by id). */
function storedCustom(defs: Definitions, base: Readonly<Record<string, CustomValue>>, values: Record<string, CustomValue | null>) {
  const live = new Set(defs.fields.map((f) => f.id));
  const out: Record<string, CustomValue> = Object.fromEntries(Object.entries(base).filter(([id]) => live.has(id)));
  for (const [name, value] of Object.entries(values)) {
    const field = defs.fields.find((f) => f.name === name) as CustomFieldDefinition;
    if (value === null) delete out[field.id];
    else out[field.id] = value;
  }
  return out;
}

const maxDefinitionRounds = 3;

function parse<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input ?? (root === 'body' ? undefined : {}));
  if (!result.success) {
    const errors = fieldErrorsOf(result.error, root);
    throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  }
  return result.data;
}

/** Drops undefined so stored items and responses carry only the fields that are set. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const notFound = (id: string) => new NotFoundError(`No contact ${id} in this workspace`);

/**
 * A contact's department may be set to the principal's own (create) or left as it is; anything
 * else is an admin's (or API key's) move, and the department must exist.
 */
async function checkDepartment(deps: ContactDeps, principal: Principal, visibility: Visibility, wanted: string | null | undefined, unchanged: string | undefined): Promise<void> {
  if (wanted === undefined || (wanted ?? undefined) === unchanged) return;
  if (!visibility.all) {
    throw new ForbiddenError('Only an admin may put a contact in another department or take it out of one', [
      { field: 'departmentId', message: principal.departmentId ? `Use your own department (${principal.departmentId}) or leave it out` : 'Leave it out' },
    ]);
  }
  if (wanted !== null && deps.directory && !(await deps.directory.getDepartment(principal.workspaceId, wanted))) {
    throw new ValidationError(`Invalid departmentId`, [{ field: 'departmentId', message: `No department ${wanted} in this workspace` }]);
  }
}

/**
 * Groups named in a contact's membership: ones the principal cannot see are reported like unknown
 * ones; joining or leaving a visible group it may not use (a read-only share) is refused.
 */
function checkGroupChanges(defs: Definitions, visibility: Visibility, named: readonly string[], changed: readonly string[]): void {
  if (visibility.all) return;
  const byId = new Map(defs.groups.map((g) => [g.id, g]));
  const errors: FieldError[] = [];
  named.forEach((id, i) => {
    const group = byId.get(id);
    if (group && !visibility.canSeeGroup(group)) errors.push({ field: `groups.${i}`, message: `No group ${id} in this workspace` });
  });
  if (errors.length > 0) throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  const refused = changed.filter((id) => {
    const group = byId.get(id);
    return group !== undefined && !visibility.canUseGroup(group);
  });
  if (refused.length > 0) {
    throw new ForbiddenError(`The group ${refused.join(', ')} is shared with you read-only: its members are not yours to change`, [
      { field: 'groups', message: 'Read-only group' },
    ]);
  }
}

export async function createContact(deps: ContactDeps, principal: Principal, input: unknown): Promise<Contact> {
  if (input === undefined) throw new ValidationError('The request needs a JSON body', [{ field: 'body', message: 'Required' }]);
  const { custom, ...data } = parse(createContactSchema, input, 'body');
  const ws = principal.workspaceId;
  const visibility = await resolveVisibility(deps, principal);
  await checkDepartment(deps, principal, visibility, data.departmentId, principal.departmentId);
  for (let round = 0; ; round++) {
    const checked = await checkAgainstDefinitions(deps, ws, { custom, groups: data.groups, subscriptions: data.subscriptions }, 'create', round > 0);
    checkGroupChanges(checked.defs, visibility, data.groups, data.groups);
    if (!(await markUsage(deps, ws, checked.defs, checked.custom))) {
      if (round < maxDefinitionRounds) continue;
      throw new PreconditionFailedError('The custom field definitions keep changing: try again');
    }
    const now = deps.clock.now();
    const at = now.toISOString();
    const contact: Contact = compact({
      ...data,
      custom: storedCustom(checked.defs, {}, checked.custom),
      departmentId: data.departmentId ?? principal.departmentId,
      id: (deps.newId ?? ((d: Date) => ulid(d.getTime())))(now),
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    await deps.store.create(ws, contact);
    return presentContact(contact, visibleDefinitions(checked.defs, visibility));
  }
}

export async function getContact(deps: ContactDeps, principal: Principal, id: string): Promise<Contact> {
  const [contact, defs] = await Promise.all([deps.store.get(principal.workspaceId, id), definitionsOf(deps, principal.workspaceId)]);
  const visibility = await resolveVisibility(deps, principal, defs);
  if (!contact || !visibility.canRead(contact)) throw notFound(id);
  return presentContact(contact, visibleDefinitions(defs, visibility));
}

/** The stored contact, if the principal may change it: 404 when it may not even read it, else 403. */
async function getWritable(deps: ContactDeps, principal: Principal, visibility: Visibility, id: string): Promise<Contact> {
  const contact = await deps.store.get(principal.workspaceId, id);
  if (!contact || !visibility.canRead(contact)) throw notFound(id);
  const refusal = visibility.writeRefusal(contact);
  if (refusal) throw new ForbiddenError(refusal);
  return contact;
}

/** `If-Match` values: `3`, `"3"` or `W/"3"`. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(header.trim());
  if (!match?.[1]) throw new ValidationError('If-Match must be the contact version, e.g. "3"', [{ field: 'If-Match', message: 'Not a version' }]);
  return Number(match[1]);
}

export interface UpdateOptions {
  /** The version the client last saw (If-Match); a different stored version is a 412. */
  readonly expectedVersion?: number;
}

const maxUpdateAttempts = 3;

export async function updateContact(
  deps: ContactDeps,
  principal: Principal,
  id: string,
  input: unknown,
  options: UpdateOptions = {},
): Promise<Contact> {
  if (input === undefined) throw new ValidationError('The request needs a JSON body', [{ field: 'body', message: 'Required' }]);
  const { custom, ...changes } = parse(updateContactSchema, input, 'body');
  const ws = principal.workspaceId;
  const visibility = await resolveVisibility(deps, principal);
  let freshDefinitions = false;
  for (let attempt = 1; ; attempt++) {
    const current = await getWritable(deps, principal, visibility, id);
    await checkDepartment(deps, principal, visibility, changes.departmentId, current.departmentId);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new PreconditionFailedError(`The contact is at version ${current.version}, not ${options.expectedVersion}: reload it and try again`);
    }
    const checked = await checkAgainstDefinitions(
      deps,
      ws,
      { custom, groups: changes.groups, ...(changes.subscriptions ? { subscriptions: changes.subscriptions } : {}) },
      'update',
      freshDefinitions,
    );
    // Groups the principal cannot see stay as they are; joining or leaving the others needs their use.
    const hiddenGroups = visibility.all ? [] : current.groups.filter((g) => checked.defs.groups.some((d) => d.id === g && !visibility.canSeeGroup(d)));
    if (changes.groups !== undefined) {
      const wanted = changes.groups ?? [];
      const moved = [...wanted.filter((g) => !current.groups.includes(g)), ...current.groups.filter((g) => !wanted.includes(g) && !hiddenGroups.includes(g))];
      checkGroupChanges(checked.defs, visibility, wanted, moved);
    }
    // An empty PATCH changes nothing, so it writes nothing and keeps the version.
    if (Object.values(changes).every((value) => value === undefined) && Object.keys(checked.custom).length === 0) {
      return presentContact(current, visibleDefinitions(checked.defs, visibility));
    }
    if (!(await markUsage(deps, ws, checked.defs, checked.custom))) {
      if (attempt >= maxUpdateAttempts) throw new PreconditionFailedError('The custom field definitions keep changing: try again');
      freshDefinitions = true;
      continue;
    }
    const merged: Record<string, unknown> = { ...current };
    for (const field of [...contactFields, 'tags', 'status', 'score'] as const) {
      const value = changes[field];
      if (value === undefined) continue;
      if (value === null) {
        if (field === 'tags') merged.tags = [];
        else delete merged[field];
      } else merged[field] = value;
    }
    // Writing drops leftovers of deleted groups, categories and fields along the way.
    const liveGroups = new Set(checked.defs.groups.map((g) => g.id));
    merged.groups = changes.groups === undefined ? current.groups.filter((g) => liveGroups.has(g)) : [...new Set([...(changes.groups ?? []), ...hiddenGroups])];
    const liveCategories = new Set(checked.defs.categories.map((c) => c.id));
    const subscriptions: Record<string, string> = Object.fromEntries(Object.entries(current.subscriptions).filter(([c]) => liveCategories.has(c)));
    for (const [category, state] of Object.entries(changes.subscriptions ?? {})) {
      if (state === null) delete subscriptions[category];
      else subscriptions[category] = state;
    }
    merged.subscriptions = subscriptions;
    merged.custom = storedCustom(checked.defs, current.custom, checked.custom);
    const next = compact({
      ...merged,
      id: current.id,
      createdAt: current.createdAt,
      updatedAt: deps.clock.now().toISOString(),
      version: current.version + 1,
    }) as unknown as Contact;
    if (!hasChannel(next)) {
      throw new ValidationError('A contact keeps at least one of email, mobile or fax', [
        { field: 'email', message: 'Give at least one of email, mobile or fax' },
      ]);
    }
    try {
      await deps.store.update(ws, next, current);
      return presentContact(next, visibleDefinitions(checked.defs, visibility));
    } catch (error) {
      if (!(error instanceof StaleVersionError)) throw error;
      // Someone wrote in between: with If-Match that is the client's conflict; without, re-apply.
      if (options.expectedVersion !== undefined) {
        throw new PreconditionFailedError('The contact changed while it was being saved: reload it and try again');
      }
      if (attempt >= maxUpdateAttempts) throw new PreconditionFailedError('The contact keeps changing: reload it and try again');
    }
  }
}

export async function deleteContact(deps: ContactDeps, principal: Principal, id: string, options: UpdateOptions = {}): Promise<void> {
  const visibility = await resolveVisibility(deps, principal);
  for (let attempt = 1; ; attempt++) {
    const current = await getWritable(deps, principal, visibility, id);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new PreconditionFailedError(`The contact is at version ${current.version}, not ${options.expectedVersion}`);
    }
    try {
      await deps.store.delete(principal.workspaceId, current);
      return;
    } catch (error) {
      if (!(error instanceof StaleVersionError)) throw error;
      if (options.expectedVersion !== undefined || attempt >= maxUpdateAttempts) {
        throw new PreconditionFailedError('The contact changed while it was being deleted: reload it and try again');
      }
    }
  }
}

/** `custom.<name>=<value>` query parameters → conditions on stored field ids. */
function customFilters(defs: Definitions, query: Readonly<Record<string, string>>): NonNullable<ContactFilter['custom']> {
  const conditions: { fieldId: string; value: string | number | boolean; contains: boolean }[] = [];
  const errors: FieldError[] = [];
  for (const [key, raw] of Object.entries(query)) {
    if (!key.startsWith('custom.')) continue;
    const name = key.slice('custom.'.length);
    const field = defs.fields.find((f) => f.name === name);
    if (!field) {
      errors.push({ field: key, message: 'No such custom field' });
      continue;
    }
    let value: unknown = raw;
    if (field.type === 'number') value = raw.trim() === '' ? Number.NaN : Number(raw);
    if (field.type === 'boolean') value = raw === 'true' ? true : raw === 'false' ? false : raw;
    // The filter value is checked like a stored value, but without min/max/pattern: any real value may be looked for.
    const schema = field.type === 'multi_choice' ? valueSchema({ type: 'single_choice', validation: field.validation }) : valueSchema({ type: field.type, validation: field.type === 'single_choice' ? field.validation : {} });
    const result = schema.safeParse(value);
    if (!result.success) {
      errors.push({ field: key, message: result.error.issues[0]?.message ?? 'Invalid' });
      continue;
    }
    conditions.push({ fieldId: field.id, value: result.data as string | number | boolean, contains: field.type === 'multi_choice' });
  }
  if (errors.length > 0) throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  return conditions;
}

export async function listContacts(deps: ContactDeps, principal: Principal, query: unknown): Promise<ContactPage> {
  const { limit, cursor, q, group, category, status, scoreMin, scoreMax } = parse(listContactsQuerySchema, query, 'query');
  const ws = principal.workspaceId;
  const raw = (query ?? {}) as Readonly<Record<string, string>>;
  const needsDefinitions = group !== undefined || category !== undefined || Object.keys(raw).some((k) => k.startsWith('custom.'));
  let all = await definitionsOf(deps, ws);
  let defs = all;
  const unknown = (d: Definitions) => (group !== undefined && !d.groups.some((g) => g.id === group)) || (category !== undefined && !d.categories.some((c) => c.id === category));
  if (needsDefinitions && unknown(defs)) all = await definitionsOf(deps, ws, true);
  const visibility = await resolveVisibility(deps, principal, all);
  // A group the principal cannot see is no group to it, in the filter as in the results.
  defs = visibleDefinitions(all, visibility);
  const errors: FieldError[] = [];
  if (group !== undefined && !defs.groups.some((g) => g.id === group)) errors.push({ field: 'group', message: `No group ${group} in this workspace` });
  if (category !== undefined && !defs.categories.some((c) => c.id === category)) errors.push({ field: 'category', message: `No category ${category} in this workspace` });
  if (errors.length > 0) throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  const custom = customFilters(defs, raw);
  const filter: ContactFilter = compact({
    groupId: group,
    categoryId: category,
    status,
    scoreMin,
    scoreMax,
    ...(custom.length > 0 ? { custom } : {}),
  });
  const page = await deps.store.list(ws, { limit, ...(cursor ? { cursor } : {}), ...(q ? { q } : {}), filter, visibility });
  return { ...page, items: page.items.map((c) => presentContact(c, defs)) };
}
