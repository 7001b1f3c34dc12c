/**
 * The contact routes as Operations (one per operationId in shared/api/routes.ts), and the
 * ports they run on, built from the environment once per container.
 */
import { contactStoreFromEnv } from '../adapters/aws/contact-store.dynamodb';
import type { Operation, OperationRequest } from '../api/operation';
import type { OperationId } from '../api/routes';
import { principalOf } from '../http/router';
import { systemClock } from '../ports/clock';
import type { Contact } from './contact';
import { createContact, deleteContact, getContact, listContacts, parseIfMatch, updateContact, type ContactDeps } from './contacts';

export type ContactOperationId = Extract<OperationId, 'listContacts' | 'createContact' | 'getContact' | 'updateContact' | 'deleteContact'>;

const etag = (contact: Contact) => ({ ETag: `"${contact.version}"` });
const idOf = (request: OperationRequest): string => request.pathParameters.id ?? '';

export function createContactOperations(deps: ContactDeps): Record<ContactOperationId, Operation> {
  return {
    listContacts: async (request) => ({ status: 200, body: await listContacts(deps, principalOf(request), request.query) }),
    createContact: async (request) => {
      const contact = await createContact(deps, principalOf(request), request.body);
      return {
        status: 201,
        body: contact,
        headers: { Location: `${request.baseUrl}/contacts/${encodeURIComponent(contact.id)}`, ...etag(contact) },
      };
    },
    getContact: async (request) => {
      const contact = await getContact(deps, principalOf(request), idOf(request));
      return { status: 200, body: contact, headers: etag(contact) };
    },
    updateContact: async (request) => {
      const expectedVersion = parseIfMatch(request.headers['if-match']);
      const contact = await updateContact(deps, principalOf(request), idOf(request), request.body, expectedVersion === undefined ? {} : { expectedVersion });
      return { status: 200, body: contact, headers: etag(contact) };
    },
    deleteContact: async (request) => {
      const expectedVersion = parseIfMatch(request.headers['if-match']);
      await deleteContact(deps, principalOf(request), idOf(request), expectedVersion === undefined ? {} : { expectedVersion });
      return { status: 204 };
    },
  };
}

export function contactDepsFromEnv(): ContactDeps {
  return { store: contactStoreFromEnv(systemClock), clock: systemClock };
}
