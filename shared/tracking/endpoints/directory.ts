/**
 * A recipient's own choices, applied at once (before the next send reads them): unsubscribing
 * from everything (suppression list + contact status) or from categories (the contact's
 * subscriptions), and confirmed sign-ups (a new or updated contact, an unsubscribe lifted).
 */
import type { Contact } from '../../contacts/contact';
import { DuplicateEmailError, StaleVersionError } from '../../contacts/contact-store';
import type { DefinitionStore } from '../../contacts/definition-store';
import { ulid } from '../../contacts/ids';
import { setContactStatus } from '../../delivery/contact-status';
import type { SuppressionStore } from '../../suppression/ports';
import type { RecipientCategory, RecipientDirectory, SubscriptionRequest } from './ports';

export interface DirectoryContacts {
  findByEmails(workspaceId: string, emails: readonly string[]): Promise<Map<string, Contact>>;
  create(workspaceId: string, contact: Contact): Promise<void>;
  update(workspaceId: string, next: Contact, previous: Contact): Promise<void>;
}

export interface DirectoryDeps {
  readonly contacts: DirectoryContacts;
  readonly definitions: Pick<DefinitionStore, 'load'>;
  readonly suppression: Pick<SuppressionStore, 'add' | 'get' | 'remove'>;
}

/** Re-reads and retries a contact change that lost a race with another write. */
async function changeContact(deps: DirectoryDeps, ws: string, email: string, change: (contact: Contact) => Contact | undefined): Promise<Contact | undefined> {
  for (let attempt = 0; attempt < 6; attempt++) {
    const contact = (await deps.contacts.findByEmails(ws, [email])).get(email);
    if (!contact) return undefined;
    const next = change(contact);
    if (!next) return contact;
    try {
      await deps.contacts.update(ws, { ...next, version: contact.version + 1 }, contact);
      return next;
    } catch (error) {
      if (!(error instanceof StaleVersionError)) throw error;
    }
  }
  throw new Error('The contact kept changing; try again');
}

export function recipientDirectory(deps: DirectoryDeps): RecipientDirectory {
  return {
    async categories(ws): Promise<readonly RecipientCategory[]> {
      const defs = await deps.definitions.load(ws);
      return defs.categories.map((c) => ({ id: c.id, name: c.name }));
    },

    async subscribedCategories(ws, email) {
      const contact = (await deps.contacts.findByEmails(ws, [email])).get(email);
      return new Set(Object.entries(contact?.subscriptions ?? {}).filter(([, state]) => state === 'subscribed').map(([id]) => id));
    },

    async unsubscribe(ws, email, scope, at) {
      if (scope === 'all') {
        await deps.suppression.add(ws, [{ email, reason: 'unsubscribe', detail: 'recipient unsubscribed', at }]);
        await setContactStatus(deps.contacts, ws, email, 'unsubscribed', () => at);
        return;
      }
      await changeContact(deps, ws, email, (contact) => ({
        ...contact,
        subscriptions: { ...contact.subscriptions, ...Object.fromEntries(scope.map((id) => [id, 'unsubscribed' as const])) },
        updatedAt: at,
      }));
    },

    async subscribe(request: SubscriptionRequest, at) {
      const ws = request.workspaceId;
      const chosen = Object.fromEntries(request.categories.map((id) => [id, 'subscribed' as const]));
      const suppressed = await deps.suppression.get(ws, request.email);
      // Opting in again lifts the person's own unsubscribe; a bounce or complaint stays.
      if (suppressed?.reason === 'unsubscribe') await deps.suppression.remove(ws, request.email);
      const kept = suppressed && suppressed.reason !== 'unsubscribe' && suppressed.reason !== 'manual' ? (suppressed.reason === 'complaint' ? 'complained' : 'bounced') : undefined;
      for (let attempt = 0; attempt < 4; attempt++) {
        const existing = await changeContact(deps, ws, request.email, (contact) => ({
          ...contact,
          subscriptions: { ...contact.subscriptions, ...chosen },
          ...(contact.status === 'unsubscribed' ? { status: 'active' as const } : {}),
          ...(!contact.name && request.name ? { name: request.name } : {}),
          updatedAt: at,
        }));
        if (existing) return { contactId: existing.id, created: false };
        const contact: Contact = {
          id: ulid(Date.parse(at)),
          email: request.email,
          ...(request.name ? { name: request.name } : {}),
          // Where the person came from: a subscribe form, or a friend's forward (with who forwarded).
          tags: request.forwardedBy ? ['forwarded', 'subscribed-by-form'] : ['subscribed-by-form'],
          status: kept ?? 'active',
          score: 0,
          groups: [],
          subscriptions: chosen,
          custom: {},
          createdAt: at,
          updatedAt: at,
          version: 1,
        };
        try {
          await deps.contacts.create(ws, contact);
          return { contactId: contact.id, created: true };
        } catch (error) {
          // Someone created the address a moment ago: update that contact instead.
          if (!(error instanceof DuplicateEmailError)) throw error;
        }
      }
      throw new Error('The contact kept changing; try again');
    },
  };
}
