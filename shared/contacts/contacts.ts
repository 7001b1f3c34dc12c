/**
 * Contact use cases. Each takes its ports as `deps`, the acting principal (whose workspace scopes
 * every read and write) and raw input, which is parsed here with the zod schemas.
 * Roles are not checked here: the router enforces every route's role in one place.
 */
import type { z } from 'zod';
import type { Principal } from '../api/operation';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import type { Clock } from '../ports/clock';
import { contactFields, hasChannel, type Contact } from './contact';
import { StaleVersionError, type ContactPage, type ContactStore } from './contact-store';
import { ulid } from './ids';
import { createContactSchema, listContactsQuerySchema, updateContactSchema } from './schemas';

export interface ContactDeps {
  readonly store: ContactStore;
  readonly clock: Clock;
  /** New contact ids; ULIDs unless a test pins them. */
  readonly newId?: (now: Date) => string;
}

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

export async function createContact(deps: ContactDeps, principal: Principal, input: unknown): Promise<Contact> {
  if (input === undefined) throw new ValidationError('The request needs a JSON body', [{ field: 'body', message: 'Required' }]);
  const data = parse(createContactSchema, input, 'body');
  const now = deps.clock.now();
  const at = now.toISOString();
  const departmentId = data.departmentId ?? principal.departmentId;
  const contact: Contact = compact({
    ...data,
    departmentId,
    id: (deps.newId ?? ((d: Date) => ulid(d.getTime())))(now),
    createdAt: at,
    updatedAt: at,
    version: 1,
  });
  await deps.store.create(principal.workspaceId, contact);
  return contact;
}

export async function getContact(deps: ContactDeps, principal: Principal, id: string): Promise<Contact> {
  const contact = await deps.store.get(principal.workspaceId, id);
  if (!contact) throw new NotFoundError(`No contact ${id} in this workspace`);
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
  const changes = parse(updateContactSchema, input, 'body');
  for (let attempt = 1; ; attempt++) {
    const current = await getContact(deps, principal, id);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new PreconditionFailedError(`The contact is at version ${current.version}, not ${options.expectedVersion}: reload it and try again`);
    }
    // An empty PATCH changes nothing, so it writes nothing and keeps the version.
    if (Object.values(changes).every((value) => value === undefined)) return current;
    const merged: Record<string, unknown> = { ...current };
    for (const field of [...contactFields, 'tags', 'status'] as const) {
      const value = changes[field];
      if (value === undefined) continue;
      if (value === null) {
        if (field === 'tags') merged.tags = [];
        else delete merged[field];
      } else merged[field] = value;
    }
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
      await deps.store.update(principal.workspaceId, next, current);
      return next;
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
  for (let attempt = 1; ; attempt++) {
    const current = await getContact(deps, principal, id);
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

export async function listContacts(deps: ContactDeps, principal: Principal, query: unknown): Promise<ContactPage> {
  const { limit, cursor, q } = parse(listContactsQuerySchema, query, 'query');
  return deps.store.list(principal.workspaceId, { limit, ...(cursor ? { cursor } : {}), ...(q ? { q } : {}) });
}
