/** Contacts read in bulk: 100 to a call (DynamoDB's BatchGetItem limit), the calls at once. */
import type { Contact } from '../../contacts/contact';
import type { AudienceContactReader } from '../ports';

const perRead = 100;

export async function readContacts(contacts: AudienceContactReader, workspaceId: string, ids: readonly string[]): Promise<Map<string, Contact>> {
  const reads: Promise<Map<string, Contact>>[] = [];
  for (let i = 0; i < ids.length; i += perRead) reads.push(contacts.getMany(workspaceId, ids.slice(i, i + perRead)));
  const found = new Map<string, Contact>();
  for (const map of await Promise.all(reads)) for (const [id, contact] of map) found.set(id, contact);
  return found;
}

/** Contacts holding these lower-cased addresses, when the store can tell; an empty map when it cannot. */
export async function readContactsByEmail(contacts: AudienceContactReader, workspaceId: string, emails: readonly string[]): Promise<Map<string, Contact>> {
  const found = new Map<string, Contact>();
  if (!contacts.findByEmails || emails.length === 0) return found;
  const reads: Promise<Map<string, Contact>>[] = [];
  // One store call per 100 addresses, all at once: each is a claim read plus a contact read.
  for (let i = 0; i < emails.length; i += perRead) reads.push(contacts.findByEmails(workspaceId, emails.slice(i, i + perRead)));
  for (const map of await Promise.all(reads)) for (const [email, contact] of map) found.set(email, contact);
  return found;
}
