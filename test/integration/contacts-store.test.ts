/**
 * The DynamoDB contact store against both emulators: e-mail uniqueness without transactions
 * (including racing creates and a crash between the claim and the contact), pagination, search.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localDynamoClient, startDynalite, startDynamoDbLocal, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { claimLeaseMs, DynamoContactStore } from '../../shared/adapters/aws/contact-store.dynamodb';
import { DynamoDefinitionStore } from '../../shared/adapters/aws/definition-store.dynamodb';
import type { Principal } from '../../shared/api/operation';
import type { Contact } from '../../shared/contacts/contact';
import { DuplicateEmailError } from '../../shared/contacts/contact-store';
import { createContact, deleteContact, getContact, listContacts, updateContact, type ContactDeps } from '../../shared/contacts/contacts';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../shared/errors';

class MovableClock {
  private offset = 0;
  now = () => new Date(Date.now() + this.offset);
  advance(ms: number) {
    this.offset += ms;
  }
}

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
])('contact store on %s', (_name, start) => {
  let dynamo: RunningDynamo;
  let db: DynamoDBDocumentClient;
  let table: string;
  const clock = new MovableClock();
  let deps: ContactDeps;

  beforeAll(async () => {
    dynamo = await start();
    const env = await createTables(dynamo.endpoint, `t${randomUUID().slice(0, 8)}`);
    table = env.TABLE_CONTACTS as string;
    db = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } });
    deps = { store: new DynamoContactStore({ client: db, tableName: table, clock }), clock, definitions: new DynamoDefinitionStore({ client: db, tableName: table }) };
  });

  afterAll(async () => {
    db?.destroy();
    await dynamo?.stop();
  });

  /** A fresh workspace per test: tests cannot see each other's contacts. */
  const principal = (): Principal => ({ kind: 'user', id: 'u1', workspaceId: `ws-${randomUUID()}`, role: 'operator' });
  const claimOf = async (workspaceId: string, email: string) =>
    (await db.send(new GetCommand({ TableName: table, Key: { pk: `WS#${workspaceId}`, sk: `EMAIL#${email}` }, ConsistentRead: true }))).Item;

  it('creates, reads, updates and deletes a contact', async () => {
    const me = principal();
    const created = await createContact(deps, me, { email: 'Chen@Example.TW', mobile: '0912-345-678', name: '陳美玲', tags: ['vip'] });
    expect(created).toMatchObject({ email: 'chen@example.tw', mobile: '+886912345678', version: 1, status: 'active', tags: ['vip'] });
    expect(await getContact(deps, me, created.id)).toEqual(created);

    const updated = await updateContact(deps, me, created.id, { title: '經理', tags: null, mobile: null }, { expectedVersion: 1 });
    expect(updated).toMatchObject({ title: '經理', tags: [], version: 2 });
    expect(updated.mobile).toBeUndefined();
    expect(await getContact(deps, me, created.id)).toEqual(updated);

    await expect(updateContact(deps, me, created.id, { title: 'x' }, { expectedVersion: 1 })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await updateContact(deps, me, created.id, {})).toEqual(updated);
    await expect(updateContact(deps, me, created.id, { email: null })).rejects.toBeInstanceOf(ValidationError);

    await deleteContact(deps, me, created.id);
    await expect(getContact(deps, me, created.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteContact(deps, me, created.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await claimOf(me.workspaceId, 'chen@example.tw')).toBeUndefined();
  });

  it('reads a contact stored before scores, groups, subscriptions and custom fields with their defaults, and updates it', async () => {
    const me = principal();
    const at = clock.now().toISOString();
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { pk: `WS#${me.workspaceId}`, sk: 'CONTACT#01LEGACY', type: 'contact', id: '01LEGACY', mobile: '+886912000111', tags: [], status: 'active', createdAt: at, updatedAt: at, version: 1 },
      }),
    );
    expect(await getContact(deps, me, '01LEGACY')).toMatchObject({ score: 0, groups: [], subscriptions: {}, custom: {} });
    expect((await listContacts(deps, me, { scoreMax: '0' })).items.map((c) => c.id)).toEqual(['01LEGACY']);
    expect((await listContacts(deps, me, { scoreMin: '1' })).items).toEqual([]);
    await expect(updateContact(deps, me, '01LEGACY', { score: 7 })).resolves.toMatchObject({ score: 7, version: 2 });
  });

  it('refuses a second contact with the same e-mail in a workspace, not in another', async () => {
    const me = principal();
    await createContact(deps, me, { email: 'dup@example.tw' });
    const error = await createContact(deps, me, { email: 'DUP@example.tw ' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).errors).toEqual([{ field: 'email', message: 'Already used by another contact' }]);
    await expect(createContact(deps, principal(), { email: 'dup@example.tw' })).resolves.toBeDefined();
  });

  it('lets exactly one of many concurrent creates of one e-mail win', async () => {
    const me = principal();
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => createContact(deps, me, { email: 'race@example.tw', name: `racer ${i}` })));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DuplicateEmailError);
    const page = await listContacts(deps, me, { limit: '100' });
    expect(page.items.map((c) => c.email)).toEqual(['race@example.tw']);
  });

  it('frees the e-mail on delete and on change, and claims the new one', async () => {
    const me = principal();
    const a = await createContact(deps, me, { email: 'old@example.tw' });
    await updateContact(deps, me, a.id, { email: 'new@example.tw' });
    await expect(createContact(deps, me, { email: 'old@example.tw' })).resolves.toBeDefined();
    await expect(createContact(deps, me, { email: 'new@example.tw' })).rejects.toBeInstanceOf(DuplicateEmailError);
    const b = await createContact(deps, me, { email: 'b@example.tw' });
    await expect(updateContact(deps, me, b.id, { email: 'new@example.tw' })).rejects.toBeInstanceOf(DuplicateEmailError);
    expect((await getContact(deps, me, b.id)).email).toBe('b@example.tw');
    await deleteContact(deps, me, a.id);
    await expect(updateContact(deps, me, b.id, { email: 'new@example.tw' })).resolves.toMatchObject({ email: 'new@example.tw', version: 2 });
  });

  it('takes over a claim left by a crash between the claim and the contact, once its lease is over', async () => {
    const me = principal();
    // The crash: a claim for a contact that was never written.
    const claimedAt = clock.now().getTime();
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { pk: `WS#${me.workspaceId}`, sk: 'EMAIL#crash@example.tw', type: 'emailClaim', email: 'crash@example.tw', contactId: 'NEVERWRITTEN', claimedAt },
      }),
    );
    // Within the lease the writer may still be running: the e-mail counts as taken.
    await expect(createContact(deps, me, { email: 'crash@example.tw' })).rejects.toBeInstanceOf(DuplicateEmailError);
    clock.advance(claimLeaseMs + 1_000);
    try {
      const created = await createContact(deps, me, { email: 'crash@example.tw' });
      expect((await claimOf(me.workspaceId, 'crash@example.tw'))?.contactId).toBe(created.id);
      await expect(createContact(deps, me, { email: 'crash@example.tw' })).rejects.toBeInstanceOf(DuplicateEmailError);
    } finally {
      clock.advance(-(claimLeaseMs + 1_000));
    }
  });

  it('takes over a stale claim whose contact now holds another e-mail, one racer only', async () => {
    const me = principal();
    const owner = await createContact(deps, me, { email: 'mine@example.tw' });
    // A crashed e-mail change: the claim for the new address, the contact still on its old one.
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { pk: `WS#${me.workspaceId}`, sk: 'EMAIL#moved@example.tw', type: 'emailClaim', email: 'moved@example.tw', contactId: owner.id, claimedAt: clock.now().getTime() - claimLeaseMs - 5_000 },
      }),
    );
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => createContact(deps, me, { email: 'moved@example.tw' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DuplicateEmailError);
    // The owner's own address is untouched.
    await expect(createContact(deps, me, { email: 'mine@example.tw' })).rejects.toBeInstanceOf(DuplicateEmailError);
  });

  it('pages through every contact, newest first, each exactly once', async () => {
    const me = principal();
    const created: Contact[] = [];
    for (let i = 0; i < 7; i++) {
      created.push(await createContact(deps, me, { email: `p${i}@example.tw`, name: `Person ${i}` }));
      clock.advance(2); // distinct ULID times, so newest-first is well defined
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await listContacts(deps, me, { limit: '3', ...(cursor ? { cursor } : {}) });
      sizes.push(page.items.length);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(created.map((c) => c.id).reverse());
    const all = await listContacts(deps, me, { limit: '7' });
    expect(all.items).toHaveLength(7);
    expect(all.nextCursor).toBeUndefined();
  });

  it('finds contacts by e-mail or name prefix, case-insensitively, each once', async () => {
    const me = principal();
    const alice = await createContact(deps, me, { email: 'alice@example.tw', name: 'Alice Lin' });
    const alan = await createContact(deps, me, { email: 'zz-alan@example.tw', name: 'ALAN Wu' });
    const albert = await createContact(deps, me, { email: 'albert@example.tw' });
    const wang = await createContact(deps, me, { email: 'wang@example.tw', name: '王小明' });
    const wangToo = await createContact(deps, me, { mobile: '0912-000-111', name: '王大同' });
    await createContact(deps, me, { email: 'bob@example.tw', name: 'Bob' });

    const ids = async (q: string) => (await listContacts(deps, me, { q, limit: '50' })).items.map((c) => c.id).sort();
    expect(await ids('AL')).toEqual([alice.id, alan.id, albert.id].sort());
    expect(await ids('alice@')).toEqual([alice.id]);
    expect(await ids('zz-')).toEqual([alan.id]);
    expect(await ids('王')).toEqual([wang.id, wangToo.id].sort());
    expect(await ids('王小')).toEqual([wang.id]);
    expect(await ids('nobody')).toEqual([]);

    // A search pages like a list does.
    const pageIds: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listContacts(deps, me, { q: 'al', limit: '1', ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(1);
      pageIds.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pageIds.sort()).toEqual([alice.id, alan.id, albert.id].sort());

    // After an e-mail change or a delete the old entries no longer match.
    await updateContact(deps, me, albert.id, { email: 'bert@example.tw' });
    await deleteContact(deps, me, alice.id);
    expect(await ids('al')).toEqual([alan.id]);
  });

  it('does not list a contact through a stale claim', async () => {
    const me = principal();
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: `WS#${me.workspaceId}`,
          sk: 'EMAIL#ghost@example.tw',
          type: 'emailClaim',
          email: 'ghost@example.tw',
          contactId: 'GONE',
          claimedAt: 0,
          gsi1pk: `WS#${me.workspaceId}#SEARCH`,
          gsi1sk: 'ghost@example.tw#GONE',
        },
      }),
    );
    expect((await listContacts(deps, me, { q: 'ghost' })).items).toEqual([]);
  });

  it('answers a tampered or foreign cursor with a 400 on the cursor field', async () => {
    const me = principal();
    for (let i = 0; i < 3; i++) await createContact(deps, me, { email: `c${i}@example.tw`, name: `Cursor ${i}` });
    const listCursor = (await listContacts(deps, me, { limit: '1' })).nextCursor as string;
    const searchCursor = (await listContacts(deps, me, { limit: '1', q: 'cursor' })).nextCursor as string;
    expect(listCursor).toBeDefined();
    expect(searchCursor).toBeDefined();
    const [payload, check] = listCursor.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sk: string };
    // Change the last character of the position (to one it is not: ULIDs end in any of 32).
    const lastChar = decoded.sk.endsWith('0') ? '1' : '0';
    const edited = Buffer.from(JSON.stringify({ ...decoded, sk: `${decoded.sk.slice(0, -1)}${lastChar}` })).toString('base64url');
    const outside = Buffer.from(JSON.stringify({ v: 1, m: 'all', sk: 'EMAIL#c0@example.tw' })).toString('base64url');
    for (const [query, why] of [
      [{ cursor: 'not a cursor!' }, 'garbage'],
      [{ cursor: payload }, 'the check cut off'],
      [{ cursor: `${edited}.${check}` }, 'an edited position'],
      [{ cursor: `${outside}.${check}` }, 'a key outside the contact range'],
      [{ cursor: searchCursor }, 'a search cursor on a plain list'],
      [{ cursor: listCursor, q: 'cursor' }, 'a list cursor on a search'],
      [{ cursor: searchCursor, q: 'other' }, 'a cursor from another search'],
    ] as const) {
      const error = await listContacts(deps, me, { limit: '1', ...query }).catch((e: unknown) => e);
      expect(error, why).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors[0]?.field, why).toBe('cursor');
    }
  });
});
