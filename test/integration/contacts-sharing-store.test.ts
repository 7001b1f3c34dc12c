/**
 * The contact store's visibility push-down on both emulators: a department user's pages, followed
 * through cursors, hold exactly what it may read — its department, the no-department pool and
 * members of groups shared with it — whether the shared groups are few (named in the query filter)
 * or many (the filter keeps any grouped contact and code decides), alone, with a filter, or in a search.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localDynamoClient, startDynalite, startDynamoDbLocal, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { DynamoContactStore } from '../../shared/adapters/aws/contact-store.dynamodb';
import type { Principal } from '../../shared/api/operation';
import type { Contact } from '../../shared/contacts/contact';
import type { ListOptions } from '../../shared/contacts/contact-store';
import type { Group } from '../../shared/contacts/definitions';
import { ulid } from '../../shared/contacts/ids';
import { visibilityOf } from '../../shared/contacts/visibility';

const group = (id: string, sharedWithMine: boolean): Group => ({
  id,
  name: id,
  departmentId: 'dep_b',
  sharedWith: sharedWithMine ? [{ kind: 'department', id: 'dep_a', access: 'read' }] : [],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
});

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
])('visibility in the contact store on %s', (_name, start) => {
  let dynamo: RunningDynamo;
  let db: DynamoDBDocumentClient;
  let store: DynamoContactStore;
  const ws = `ws-${randomUUID()}`;
  const me: Principal = { kind: 'user', id: 'u_a', workspaceId: ws, role: 'operator', departmentId: 'dep_a' };
  /** Contact index → what it is; built so that neighbours alternate between visible and hidden. */
  const contacts: Contact[] = [];

  beforeAll(async () => {
    dynamo = await start();
    const env = await createTables(dynamo.endpoint, `v${randomUUID().slice(0, 8)}`);
    db = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } });
    store = new DynamoContactStore({ client: db, tableName: env.TABLE_CONTACTS as string });
    const base = Date.parse('2026-03-01T00:00:00.000Z');
    for (let i = 0; i < 60; i++) {
      // i % 4: 0 department A, 1 department B, 2 no department, 3 department B in group g<i % 50>.
      const kind = i % 4;
      const at = new Date(base + i * 1000).toISOString();
      contacts.push({
        id: ulid(base + i * 1000),
        email: `p${i}@example.tw`,
        name: `Person ${String(i).padStart(2, '0')}`,
        tags: [],
        status: i % 3 === 0 ? 'unsubscribed' : 'active',
        score: 0,
        groups: kind === 3 ? [`g${i % 50}`] : [],
        subscriptions: {},
        custom: {},
        ...(kind === 0 ? { departmentId: 'dep_a' } : kind === 2 ? {} : { departmentId: 'dep_b' }),
        createdAt: at,
        updatedAt: at,
        version: 1,
      });
    }
    for (const contact of contacts) await store.create(ws, contact);
  });

  afterAll(async () => {
    db?.destroy();
    await dynamo?.stop();
  });

  async function listAll(options: Omit<ListOptions, 'limit' | 'cursor'>, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await store.list(ws, { ...options, limit, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(cursor).toBeUndefined();
    return ids;
  }

  /** Ids the rules admit, newest first (the list's order), with the given groups shared with department A. */
  const expected = (shared: Set<string>, keep: (c: Contact) => boolean = () => true) =>
    contacts
      .filter((c) => c.departmentId === 'dep_a' || c.departmentId === undefined || c.groups.some((g) => shared.has(g)))
      .filter(keep)
      .map((c) => c.id)
      .reverse();

  it.each([
    ['a few shared groups (named in the filter)', 3],
    ['many shared groups (filtered in code)', 45],
  ])('%s: pages hold exactly the readable contacts', async (_label, count) => {
    const groups = Array.from({ length: 50 }, (_, i) => group(`g${i}`, i < count));
    const shared = new Set(groups.filter((g) => g.sharedWith.length > 0).map((g) => g.id));
    const visibility = visibilityOf(me, groups);
    expect(visibility.scope?.readGroups).toHaveLength(count);

    const all = await listAll({ visibility }, 4);
    expect(all).toEqual(expected(shared));
    // Some of department B is visible only through the shares: the test means something.
    expect(all.some((id) => contacts.find((c) => c.id === id)?.departmentId === 'dep_b')).toBe(true);

    expect(await listAll({ visibility, filter: { status: 'active' } }, 3)).toEqual(expected(shared, (c) => c.status === 'active'));
    // A search walks the name index: same rules, in name order.
    const searched = await listAll({ visibility, q: 'person 1' }, 2);
    expect(searched.sort()).toEqual(expected(shared, (c) => (c.name ?? '').startsWith('Person 1')).sort());
  });

  it('an admin\'s visibility hides nothing', async () => {
    const ids = await listAll({ visibility: visibilityOf({ ...me, role: 'admin' }, []) }, 25);
    expect(ids).toHaveLength(contacts.length);
  });
});
