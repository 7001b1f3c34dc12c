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
import type { Contact } from './contact';

export interface ContactPage {
  readonly items: Contact[];
  readonly nextCursor?: string;
}

export interface ListOptions {
  readonly limit: number;
  readonly cursor?: string;
  /** Case-insensitive prefix of the e-mail or of the name. */
  readonly q?: string;
}

export interface ContactStore {
  create(workspaceId: string, contact: Contact): Promise<void>;
  get(workspaceId: string, id: string): Promise<Contact | undefined>;
  /** Replaces `previous` with `next` (same id, next.version = previous.version + 1). */
  update(workspaceId: string, next: Contact, previous: Contact): Promise<void>;
  delete(workspaceId: string, contact: Contact): Promise<void>;
  list(workspaceId: string, options: ListOptions): Promise<ContactPage>;
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
