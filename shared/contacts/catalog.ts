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
 */
import type { z } from 'zod';
import type { Principal } from '../api/operation';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import { StaleVersionError, type DefinitionRef, type MembershipChange } from './contact-store';
import { definitionsOf, type ContactDeps } from './contacts';
import {
  createCategorySchema,
  createFieldSchema,
  createGroupSchema,
  definitionLimits,
  membersSchema,
  publicField,
  updateCategorySchema,
  updateFieldSchema,
  updateGroupSchema,
  validationSchemas,
  type Category,
  type CustomFieldDefinition,
  type Definitions,
  type FieldValidation,
  type Group,
} from './definitions';
import { ulid } from './ids';

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
  return { items: (await definitionsOf(deps, principal.workspaceId)).groups };
}

export async function listCategories(deps: ContactDeps, principal: Principal) {
  return { items: (await definitionsOf(deps, principal.workspaceId)).categories };
}

async function groupById(deps: ContactDeps, ws: string, id: string): Promise<Group> {
  const group = (await fresh(deps, ws)).groups.find((g) => g.id === id);
  if (!group) throw new NotFoundError(`No group ${id} in this workspace`);
  return group;
}

async function categoryById(deps: ContactDeps, ws: string, id: string): Promise<Category> {
  const category = (await fresh(deps, ws)).categories.find((c) => c.id === id);
  if (!category) throw new NotFoundError(`No category ${id} in this workspace`);
  return category;
}

export async function getGroup(deps: ContactDeps, principal: Principal, id: string): Promise<Group> {
  return groupById(deps, principal.workspaceId, id);
}

export async function createGroup(deps: ContactDeps, principal: Principal, input: unknown): Promise<Group> {
  const data = parse(createGroupSchema, input);
  const ws = principal.workspaceId;
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
  for (let attempt = 1; ; attempt++) {
    const current = await groupById(deps, ws, id);
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

export async function deleteGroup(deps: ContactDeps, principal: Principal, id: string): Promise<void> {
  const ws = principal.workspaceId;
  await groupById(deps, ws, id);
  await deps.definitions.remove(ws, 'group', id);
  deps.definitionsCache?.invalidate(ws);
  await forgetLater(deps, ws, { kind: 'group', id });
}

export async function changeMembers(deps: ContactDeps, principal: Principal, id: string, input: unknown, op: 'add' | 'remove'): Promise<MembershipChange> {
  const { contactIds } = parse(membersSchema, input);
  const ws = principal.workspaceId;
  await groupById(deps, ws, id);
  return deps.store.changeGroup(ws, id, contactIds, op, deps.clock.now().toISOString());
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

