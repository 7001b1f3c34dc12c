/**
 * The ContactStore port: how the contact use cases reach storage. The DynamoDB adapter
 * (shared/adapters/aws/contact-store.dynamodb.ts) implements it for AWS and the sandbox alike.
 *
 * Contracts every implementation keeps:
 * - e-mails are unique per workspace: `create`/`update` throw `DuplicateEmailError` when another
 *   contact holds (or is at this moment claiming) the address;
 * - `update` and `delete` write only if the stored version is still `expectedVersion`, else throw
 *   `StaleVersionError`;
 * - cursors are opaque to callers; a cursor the store did not issue (for this workspace and query)
 *   throws `ValidationError` on field `cursor`.
 */
import { ConflictError } from '../errors';
import type { Contact, ContactStatus } from './contact';
import type { Visibility } from './visibility';

export interface ContactPage {
  readonly items: Contact[];
  readonly nextCursor?: string;
}

/** Conditions a listed contact meets, all of them (AND). Custom fields by stored field id. */
export interface ContactFilter {
  readonly groupId?: string;
  /** Contacts `subscribed` to this category. */
  readonly categoryId?: string;
  readonly status?: ContactStatus;
  readonly scoreMin?: number;
  readonly scoreMax?: number;
  /** Equal to `value`; for a multi-choice field (`contains`), holding it among its choices. */
  readonly custom?: readonly { readonly fieldId: string; readonly value: string | number | boolean; readonly contains: boolean }[];
}

export const isFilterEmpty = (filter: ContactFilter | undefined): boolean =>
  !filter ||
  (filter.groupId === undefined &&
    filter.categoryId === undefined &&
    filter.status === undefined &&
    filter.scoreMin === undefined &&
    filter.scoreMax === undefined &&
    !filter.custom?.length);

/** The filter in code, for stores (or steps) that cannot push it down; a missing score counts as 0. */
export function matchesFilter(contact: Contact, filter: ContactFilter | undefined): boolean {
  if (!filter) return true;
  const score = contact.score ?? 0;
  if (filter.groupId !== undefined && !(contact.groups ?? []).includes(filter.groupId)) return false;
  if (filter.categoryId !== undefined && contact.subscriptions?.[filter.categoryId] !== 'subscribed') return false;
  if (filter.status !== undefined && contact.status !== filter.status) return false;
  if (filter.scoreMin !== undefined && score < filter.scoreMin) return false;
  if (filter.scoreMax !== undefined && score > filter.scoreMax) return false;
  for (const condition of filter.custom ?? []) {
    const value = contact.custom?.[condition.fieldId];
    if (condition.contains ? !(Array.isArray(value) && value.includes(condition.value as string)) : value !== condition.value) return false;
  }
  return true;
}

export interface ListOptions {
  readonly limit: number;
  readonly cursor?: string;
  /** Case-insensitive prefix of the e-mail or of the name. */
  readonly q?: string;
  readonly filter?: ContactFilter;
  /**
   * Only contacts the principal may read (absent or `all`: every contact). `canRead` decides; a
   * store may also push `scope` down (e.g. into its query filter) so hidden contacts cost less.
   */
  readonly visibility?: Pick<Visibility, 'all' | 'canRead' | 'scope'>;
}

export interface MembershipChange {
  /** Contacts whose membership this call changed. */
  readonly changed: number;
  /** Contacts already as asked (in the group for an add, out of it for a remove). */
  readonly unchanged: number;
  /** Ids with no contact in the workspace. */
  readonly notFound: string[];
}

/**
 * Sees the contacts found before anything is written: returns those to go on with (the others are
 * reported as not found) or throws to refuse the whole call.
 */
export type MembershipGuard = (found: readonly Contact[]) => readonly Contact[];

/** A definition whose traces to wipe from contacts after it was deleted. */
export type DefinitionRef = { readonly kind: 'group' | 'category' | 'field'; readonly id: string };

export interface ContactStore {
  create(workspaceId: string, contact: Contact): Promise<void>;
  get(workspaceId: string, id: string): Promise<Contact | undefined>;
  /** Replaces `previous` with `next` (same id, next.version = previous.version + 1). */
  update(workspaceId: string, next: Contact, previous: Contact): Promise<void>;
  delete(workspaceId: string, contact: Contact): Promise<void>;
  list(workspaceId: string, options: ListOptions): Promise<ContactPage>;
  /**
   * Adds the contacts to (or removes them from) a group, one conditional write per contact, each
   * bumping its version (so a concurrent PATCH based on the older version is retried, not lost).
   */
  changeGroup(workspaceId: string, groupId: string, contactIds: readonly string[], op: 'add' | 'remove', at: string, guard?: MembershipGuard): Promise<MembershipChange>;
  /**
   * Best effort: removes a deleted definition's traces (membership, subscription, values) from
   * contacts until `deadline` (epoch ms). Returns whether it got through the whole workspace.
   * Readers never depend on it: they ignore ids of definitions that no longer exist.
   */
  forget(workspaceId: string, ref: DefinitionRef, deadline: number): Promise<{ complete: boolean; cleaned: number }>;
}

export class DuplicateEmailError extends ConflictError {
  constructor(email: string, pending = false) {
    super(
      pending
        ? `Another request is saving a contact with the e-mail ${email} right now`
        : `A contact with the e-mail ${email} already exists in this workspace`,
      [{ field: 'email', message: 'Already used by another contact' }],
    );
  }
}

/** The stored contact changed since it was read (someone else wrote it first). */
export class StaleVersionError extends Error {
  override readonly name = 'StaleVersionError';
}
