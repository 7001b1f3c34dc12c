/**
 * Marks the contact holding an address as bounced or complained (never downgrading: a complaint
 * outranks a bounce, both outrank unsubscribed). Re-read and retried when a concurrent edit wins.
 */
import type { ContactStatus } from '../contacts/contact';
import type { Contact } from '../contacts/contact';
import { StaleVersionError } from '../contacts/contact-store';

const rank: Readonly<Record<ContactStatus, number>> = { active: 0, unsubscribed: 1, bounced: 2, complained: 3 };

export interface ContactStatusStore {
  findByEmails(workspaceId: string, emails: readonly string[]): Promise<Map<string, Contact>>;
  update(workspaceId: string, next: Contact, previous: Contact): Promise<void>;
}

export async function setContactStatus(store: ContactStatusStore, ws: string, email: string, status: ContactStatus, at: () => string): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const contact = (await store.findByEmails(ws, [email])).get(email);
    if (!contact || rank[contact.status] >= rank[status]) return false;
    try {
      await store.update(ws, { ...contact, status, updatedAt: at(), version: contact.version + 1 }, contact);
      return true;
    } catch (error) {
      if (!(error instanceof StaleVersionError)) throw error;
    }
  }
  return false;
}
