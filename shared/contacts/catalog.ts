/**
 * Use cases for what a workspace defines about its contacts: custom fields, groups (and their
 * members), newsletter categories. Each write drops this container's cached definitions at once;
 * other containers see it within `definitionsCacheMs`.
 *
 * Deleting a definition removes it first (so every reader stops showing it at once: contacts are
 * always presented through the existing definitions), then wipes its traces from contacts on a
 * best-effort basis within a time budget; traces left behind are invisible and are dropped by the
 * contact's next write. Ids are ULIDs and fields keep values under a never-reused id, so a
 * re-created group, category or field of the same name never inherits old data.
 *
 * Groups follow visibility.ts: a group the principal cannot see answers 404; a manager shares,
 * renames and deletes only its own department's groups (admins any); members change only where
 * the principal may write each contact and use the group.
 */
import type { z } from 'zod';
import type { Principal } from '../api/operation';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError, type FieldError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import type { Contact } from './contact';
import { StaleVersionError, type DefinitionRef, type MembershipChange } from './contact-store';
import { definitionsOf, type ContactDeps } from './contacts';
import {
  createCategorySchema,
  createFieldSchema,
  createGroupSchema,
  definitionLimits,
  membersSchema,
  publicField,
  shareGroupSchema,
  updateCategorySchema,
  updateFieldSchema,
  updateGroupSchema,
  validationSchemas,
  type Category,
  type CustomFieldDefinition,
  type Definitions,
  type FieldValidation,
  type Group,
  type GroupShare,
} from './definitions';
import { ulid } from './ids';
import { resolveVisibility, type Visibility } from './visibility';

/** Time a delete spends wiping traces from contacts before answering (the rest stays invisible). */
export const cleanupBudgetMs = 3_000;
const maxAttempts = 3;

function parse<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  if (input === undefined) throw new ValidationError('The request needs a JSON body', [{ field: 'body', message: 'Required' }]);
  const result = schema.safeParse(input);
  if (!result.success) {
    const errors = fieldErrorsOf(result.error, 'body').map((e) => (prefix ? { ...e, field: `${prefix}${e.field === 'body' ? '' : `.${e.field}`}` } : e));
    throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  }
  return result.data;
}

const compact = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
const fresh = (deps: ContactDeps, ws: string): Promise<Definitions> => definitionsOf(deps, ws, true);
const newId = (deps: ContactDeps) => ulid(deps.clock.now().getTime());

async function forgetLater(deps: ContactDeps, ws: string, ref: DefinitionRef): Promise<void> {
  // Best effort by design: a failure here leaves invisible leftovers, never a failed delete.
  try {
    await deps.store.forget(ws, ref, deps.clock.now().getTime() + cleanupBudgetMs);
  } catch {
    /* leftovers are ignored on read and dropped on the contact's next write */
  }
}

// ---- custom fields -------------------------------------------------------------------------

export async function listFields(deps: ContactDeps, principal: Principal) {
  const defs = await definitionsOf(deps, principal.workspaceId);
  return { items: defs.fields.map(publicField) };
}

async function fieldNamed(deps: ContactDeps, ws: string, name: string): Promise<CustomFieldDefinition> {
  const field = (await fresh(deps, ws)).fields.find((f) => f.name === name);
  if (!field) throw new NotFoundError(`No custom field ${name} in this workspace`);
  return field;
}

export async function getField(deps: ContactDeps, principal: Principal, name: string) {
  return publicField(await fieldNamed(deps, principal.workspaceId, name));
}

export async function createField(deps: ContactDeps, principal: Principal, input: unknown) {
  const data = parse(createFieldSchema, input);
  const ws = principal.workspaceId;
  if ((await fresh(deps, ws)).fields.length >= definitionLimits.fields) {
    throw new ConflictError(`A workspace has at most ${definitionLimits.fields} custom fields`);
  }
  const at = deps.clock.now().toISOString();
  const field: CustomFieldDefinition = { ...data, validation: data.validation as FieldValidation, id: newId(deps), revision: 1, createdAt: at, updatedAt: at };
  await deps.definitions.createField(ws, field);
  deps.definitionsCache?.invalidate(ws);
  return publicField(field);
}

export async function updateField(deps: ContactDeps, principal: Principal, name: string, input: unknown) {
  const changes = parse(updateFieldSchema, input);
  const ws = principal.workspaceId;
  for (let attempt = 1; ; attempt++) {
    const current = await fieldNamed(deps, ws, name);
    const type = changes.type ?? current.type;
    const typeChanged = type !== current.type;
    let validation: FieldValidation = current.validation;
    if (changes.validation !== undefined) validation = parse(validationSchemas[type], changes.validation, 'validation') as FieldValidation;
    else if (typeChanged) {
      const result = validationSchemas[type].safeParse({});
      if (!result.success) {
        throw new ValidationError(`A ${type} field needs its validation`, [{ field: 'validation.options', message: 'Give the choices' }]);
      }
      validation = result.data as FieldValidation;
    }
    const removedChoices = !typeChanged && current.validation.options ? current.validation.options.filter((c) => !validation.options?.includes(c)) : [];
    const next: CustomFieldDefinition = {
      ...current,
      ...(changes.label ? { label: changes.label } : {}),
      ...(changes.required !== undefined ? { required: changes.required } : {}),
      type,
      validation,
      revision: current.revision + 1,
      updatedAt: deps.clock.now().toISOString(),
    };
    try {
      await deps.definitions.updateField(ws, next, current, { typeChanged, removedChoices });
      deps.definitionsCache?.invalidate(ws);
      return publicField(next);
    } catch (error) {
      if (!(error instanceof StaleVersionError)) throw error;
      if (attempt >= maxAttempts) throw new PreconditionFailedError('The field keeps changing: reload it and try again');
    }
  }
}

export async function deleteField(deps: ContactDeps, principal: Principal, name: string): Promise<void> {
  const ws = principal.workspaceId;
  const field = await fieldNamed(deps, ws, name);
  await deps.definitions.deleteField(ws, field);
  deps.definitionsCache?.invalidate(ws);
  await forgetLater(deps, ws, { kind: 'field', id: field.id });
}

// ---- groups and categories -----------------------------------------------------------------

export async function listGroups(deps: ContactDeps, principal: Principal) {
  const defs = await definitionsOf(deps, principal.workspaceId);
  const visibility = await resolveVisibility(deps, principal, defs);
  return { items: defs.groups.filter((g) => visibility.canSeeGroup(g)) };
}

export async function listCategories(deps: ContactDeps, principal: Principal) {
  return { items: (await definitionsOf(deps, principal.workspaceId)).categories };
}

/** The group as this principal may see it (fresh), with the principal's visibility; else 404. */
async function visibleGroup(deps: ContactDeps, principal: Principal, id: string): Promise<{ group: Group; visibility: Visibility }> {
  const defs = await fresh(deps, principal.workspaceId);
  const visibility = await resolveVisibility(deps, principal, defs);
  const group = defs.groups.find((g) => g.id === id);
  if (!group || !visibility.canSeeGroup(group)) throw new NotFoundError(`No group ${id} in this workspace`);
  return { group, visibility };
}

/** A group the principal may rename, delete and share. */
async function managedGroup(deps: ContactDeps, principal: Principal, id: string): Promise<Group> {
  const { group, visibility } = await visibleGroup(deps, principal, id);
  if (!visibility.canManageGroup(group)) {
    throw new ForbiddenError(
      group.departmentId === undefined
        ? 'This group belongs to no department: only an admin may change or share it'
        : 'This group belongs to another department: only an admin or that department\'s manager may change or share it',
    );
  }
  return group;
}

/** Every department and user a group is shared with must exist in the workspace. */
async function checkShares(deps: ContactDeps, ws: string, shares: readonly GroupShare[] | undefined, field = 'sharedWith'): Promise<void> {
  if (!shares?.length || !deps.directory) return;
  const directory = deps.directory;
  const found = await Promise.all(shares.map((s) => (s.kind === 'department' ? directory.getDepartment(ws, s.id) : directory.getUser(ws, s.id))));
  const errors: FieldError[] = [];
  shares.forEach((share, i) => {
    if (!found[i]) errors.push({ field: `${field}.${i}.id`, message: `No ${share.kind} ${share.id} in this workspace` });
  });
  if (errors.length > 0) throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
}

async function categoryById(deps: ContactDeps, ws: string, id: string): Promise<Category> {
  const category = (await fresh(deps, ws)).categories.find((c) => c.id === id);
  if (!category) throw new NotFoundError(`No category ${id} in this workspace`);
  return category;
}

export async function getGroup(deps: ContactDeps, principal: Principal, id: string): Promise<Group> {
  return (await visibleGroup(deps, principal, id)).group;
}

export async function createGroup(deps: ContactDeps, principal: Principal, input: unknown): Promise<Group> {
  const data = parse(createGroupSchema, input);
  const ws = principal.workspaceId;
  await checkShares(deps, ws, data.sharedWith);
  if ((await fresh(deps, ws)).groups.length >= definitionLimits.groups) throw new ConflictError(`A workspace has at most ${definitionLimits.groups} groups`);
  const at = deps.clock.now().toISOString();
  const group: Group = compact({ ...data, id: newId(deps), departmentId: principal.departmentId, createdAt: at, updatedAt: at, version: 1 });
  await deps.definitions.put(ws, 'group', group);
  deps.definitionsCache?.invalidate(ws);
  return group;
}

export async function updateGroup(deps: ContactDeps, principal: Principal, id: string, input: unknown): Promise<Group> {
  const changes = parse(updateGroupSchema, input);
  const ws = principal.workspaceId;
  await managedGroup(deps, principal, id);
  await checkShares(deps, ws, changes.sharedWith);
  for (let attempt = 1; ; attempt++) {
    const current = await managedGroup(deps, principal, id);
    const merged: Record<string, unknown> = { ...current };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete merged[key];
      else if (value !== undefined) merged[key] = value;
    }
    const next = { ...merged, updatedAt: deps.clock.now().toISOString(), version: current.version + 1 } as unknown as Group;
    try {
      await deps.definitions.put(ws, 'group', next, current.version);
      deps.definitionsCache?.invalidate(ws);
      return next;
    } catch (error) {
      if (!(error instanceof StaleVersionError) || attempt >= maxAttempts) throw error instanceof StaleVersionError ? new PreconditionFailedError('The group keeps changing: try again') : error;
    }
  }
}

/** PUT /groups/{id}/sharing: replaces who the group is shared with (an empty list stops sharing). */
export async function shareGroup(deps: ContactDeps, principal: Principal, id: string, input: unknown): Promise<Group> {
  const { sharedWith } = parse(shareGroupSchema, input);
  return updateGroup(deps, principal, id, { sharedWith });
}

export async function deleteGroup(deps: ContactDeps, principal: Principal, id: string): Promise<void> {
  const ws = principal.workspaceId;
  await managedGroup(deps, principal, id);
  await deps.definitions.remove(ws, 'group', id);
  deps.definitionsCache?.invalidate(ws);
  await forgetLater(deps, ws, { kind: 'group', id });
}

export async function changeMembers(deps: ContactDeps, principal: Principal, id: string, input: unknown, op: 'add' | 'remove'): Promise<MembershipChange> {
  const { contactIds } = parse(membersSchema, input);
  const ws = principal.workspaceId;
  const { group, visibility } = await visibleGroup(deps, principal, id);
  if (!visibility.canUseGroup(group)) {
    throw new ForbiddenError('This group is shared with you read-only: its members are not yours to change');
  }
  // Contacts the principal cannot read count as not found; one it can read but not change refuses the call.
  const guard = (found: readonly Contact[]) => {
    const readable = found.filter((c) => visibility.canRead(c));
    const refused = readable.filter((c) => !visibility.canWrite(c));
    if (refused.length > 0) {
      const first = refused[0] as Contact;
      throw new ForbiddenError(`${refused.length} of the contacts are not yours to change (${visibility.writeRefusal(first) ?? ''}), e.g. ${first.id}: nothing was changed`, [
        ...refused.slice(0, 20).map((c) => ({ field: `contactIds.${contactIds.indexOf(c.id)}`, message: 'Read-only for you' })),
      ]);
    }
    return readable;
  };
  return deps.store.changeGroup(ws, id, contactIds, op, deps.clock.now().toISOString(), visibility.all ? undefined : guard);
}

export async function getCategory(deps: ContactDeps, principal: Principal, id: string): Promise<Category> {
  return categoryById(deps, principal.workspaceId, id);
}

export async function createCategory(deps: ContactDeps, principal: Principal, input: unknown): Promise<Category> {
  const data = parse(createCategorySchema, input);
  const ws = principal.workspaceId;
  if ((await fresh(deps, ws)).categories.length >= definitionLimits.categories) {
    throw new ConflictError(`A workspace has at most ${definitionLimits.categories} categories`);
  }
  const at = deps.clock.now().toISOString();
  const category: Category = compact({ ...data, id: newId(deps), createdAt: at, updatedAt: at, version: 1 });
  await deps.definitions.put(ws, 'category', category);
  deps.definitionsCache?.invalidate(ws);
  return category;
}

export async function updateCategory(deps: ContactDeps, principal: Principal, id: string, input: unknown): Promise<Category> {
  const changes = parse(updateCategorySchema, input);
  const ws = principal.workspaceId;
  for (let attempt = 1; ; attempt++) {
    const current = await categoryById(deps, ws, id);
    const merged: Record<string, unknown> = { ...current };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete merged[key];
      else if (value !== undefined) merged[key] = value;
    }
    const next = { ...merged, updatedAt: deps.clock.now().toISOString(), version: current.version + 1 } as unknown as Category;
    try {
      await deps.definitions.put(ws, 'category', next, current.version);
      deps.definitionsCache?.invalidate(ws);
      return next;
    } catch (error) {
      if (!(error instanceof StaleVersionError) || attempt >= maxAttempts) throw error instanceof StaleVersionError ? new PreconditionFailedError('The category keeps changing: try again') : error;
    }
  }
}

export async function deleteCategory(deps: ContactDeps, principal: Principal, id: string): Promise<void> {
  const ws = principal.workspaceId;
  await categoryById(deps, ws, id);
  await deps.definitions.remove(ws, 'category', id);
  deps.definitionsCache?.invalidate(ws);
  await forgetLater(deps, ws, { kind: 'category', id });
}

