/**
 * The contact routes as Operations (one per operationId in shared/api/routes.ts), and the
 * ports they run on, built from the environment once per container.
 */
import { contactStoreFromEnv } from '../adapters/aws/contact-store.dynamodb';
import { definitionStoreFromEnv } from '../adapters/aws/definition-store.dynamodb';
import type { Operation, OperationRequest } from '../api/operation';
import type { OperationId } from '../api/routes';
import { principalOf } from '../http/router';
import { identityStoreFromEnv } from '../identity/deps-from-env';
import { systemClock } from '../ports/clock';
import * as catalog from './catalog';
import type { Contact } from './contact';
import { createContact, deleteContact, getContact, listContacts, parseIfMatch, updateContact, type ContactDeps } from './contacts';
import { CachedDefinitions } from './definition-store';
import type { Directory } from './visibility';

export type ContactOperationId = Extract<
  OperationId,
  | 'listContacts'
  | 'createContact'
  | 'getContact'
  | 'updateContact'
  | 'deleteContact'
  | 'listFields'
  | 'createField'
  | 'getField'
  | 'updateField'
  | 'deleteField'
  | 'listGroups'
  | 'createGroup'
  | 'getGroup'
  | 'updateGroup'
  | 'deleteGroup'
  | 'shareGroup'
  | 'addGroupMembers'
  | 'removeGroupMembers'
  | 'listCategories'
  | 'createCategory'
  | 'getCategory'
  | 'updateCategory'
  | 'deleteCategory'
>;

const etag = (contact: Contact) => ({ ETag: `"${contact.version}"` });
const idOf = (request: OperationRequest): string => request.pathParameters.id ?? '';
const nameOf = (request: OperationRequest): string => request.pathParameters.name ?? '';
const ok = (body: unknown) => ({ status: 200, body });
const created = (request: OperationRequest, path: string, body: unknown) => ({
  status: 201,
  body,
  headers: { Location: `${request.baseUrl}${path}` },
});
const noContent = { status: 204 } as const;

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

    listFields: async (request) => ok(await catalog.listFields(deps, principalOf(request))),
    createField: async (request) => {
      const field = await catalog.createField(deps, principalOf(request), request.body);
      return created(request, `/fields/${encodeURIComponent(field.name)}`, field);
    },
    getField: async (request) => ok(await catalog.getField(deps, principalOf(request), nameOf(request))),
    updateField: async (request) => ok(await catalog.updateField(deps, principalOf(request), nameOf(request), request.body)),
    deleteField: async (request) => {
      await catalog.deleteField(deps, principalOf(request), nameOf(request));
      return noContent;
    },

    listGroups: async (request) => ok(await catalog.listGroups(deps, principalOf(request))),
    createGroup: async (request) => {
      const group = await catalog.createGroup(deps, principalOf(request), request.body);
      return created(request, `/groups/${encodeURIComponent(group.id)}`, group);
    },
    getGroup: async (request) => ok(await catalog.getGroup(deps, principalOf(request), idOf(request))),
    updateGroup: async (request) => ok(await catalog.updateGroup(deps, principalOf(request), idOf(request), request.body)),
    deleteGroup: async (request) => {
      await catalog.deleteGroup(deps, principalOf(request), idOf(request));
      return noContent;
    },
    shareGroup: async (request) => ok(await catalog.shareGroup(deps, principalOf(request), idOf(request), request.body)),
    addGroupMembers: async (request) => ok(await catalog.changeMembers(deps, principalOf(request), idOf(request), request.body, 'add')),
    removeGroupMembers: async (request) => ok(await catalog.changeMembers(deps, principalOf(request), idOf(request), request.body, 'remove')),

    listCategories: async (request) => ok(await catalog.listCategories(deps, principalOf(request))),
    createCategory: async (request) => {
      const category = await catalog.createCategory(deps, principalOf(request), request.body);
      return created(request, `/categories/${encodeURIComponent(category.id)}`, category);
    },
    getCategory: async (request) => ok(await catalog.getCategory(deps, principalOf(request), idOf(request))),
    updateCategory: async (request) => ok(await catalog.updateCategory(deps, principalOf(request), idOf(request), request.body)),
    deleteCategory: async (request) => {
      await catalog.deleteCategory(deps, principalOf(request), idOf(request));
      return noContent;
    },
  };
}

/** The identity store, built on first use (only writes that name a department or a share need it). */
function lazyDirectory(): Directory {
  let store: Directory | undefined;
  const get = () => (store ??= identityStoreFromEnv());
  return {
    getDepartment: (workspaceId, id) => get().getDepartment(workspaceId, id),
    getUser: (workspaceId, id) => get().getUser(workspaceId, id),
  };
}

export function contactDepsFromEnv(): ContactDeps {
  const definitions = definitionStoreFromEnv();
  return {
    store: contactStoreFromEnv(systemClock),
    clock: systemClock,
    definitions,
    // Per container, a few seconds at most: see CachedDefinitions.
    definitionsCache: new CachedDefinitions(definitions, systemClock),
    directory: lazyDirectory(),
  };
}
