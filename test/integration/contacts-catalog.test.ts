/**
 * Custom fields, groups and categories on both emulators: definitions next to contacts in the
 * workspace partition, values validated against them, usage guarding type and choice changes,
 * bulk membership, filters with pagination, and deletes that leave nothing visible behind.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localDynamoClient, startDynalite, startDynamoDbLocal, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { DynamoContactStore } from '../../shared/adapters/aws/contact-store.dynamodb';
import { DynamoDefinitionStore } from '../../shared/adapters/aws/definition-store.dynamodb';
import type { Principal } from '../../shared/api/operation';
import * as catalog from '../../shared/contacts/catalog';
import type { Contact } from '../../shared/contacts/contact';
import { createContact, getContact, listContacts, updateContact, type ContactDeps } from '../../shared/contacts/contacts';
import { CachedDefinitions } from '../../shared/contacts/definition-store';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';

class MovableClock {
  private offset = 0;
  now = () => new Date(Date.now() + this.offset);
  advance(ms: number) {
    this.offset += ms;
  }
}

async function fieldsOfError(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).errors.map((e) => e.field).sort();
}

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
])('contact catalog on %s', (_name, start) => {
  let dynamo: RunningDynamo;
  let db: DynamoDBDocumentClient;
  let table: string;
  const clock = new MovableClock();
  let deps: ContactDeps;

  beforeAll(async () => {
    dynamo = await start();
    const env = await createTables(dynamo.endpoint, `c${randomUUID().slice(0, 8)}`);
    table = env.TABLE_CONTACTS as string;
    db = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } });
    const definitions = new DynamoDefinitionStore({ client: db, tableName: table });
    deps = {
      store: new DynamoContactStore({ client: db, tableName: table, clock }),
      clock,
      definitions,
      definitionsCache: new CachedDefinitions(definitions, clock),
    };
  });

  afterAll(async () => {
    db?.destroy();
    await dynamo?.stop();
  });

  const principal = (role: Principal['role'] = 'admin'): Principal => ({ kind: 'user', id: 'u1', workspaceId: `ws-${randomUUID()}`, role, departmentId: 'dep_sales' });

  it('stores custom values by field, validates them on create and update, and enforces required fields', async () => {
    const me = principal();
    await catalog.createField(deps, me, { name: 'member_level', label: { 'zh-TW': '會員等級', en: 'Member level' }, type: 'single_choice', required: true, validation: { options: ['gold', 'silver'] } });
    await catalog.createField(deps, me, { name: 'points', label: { en: 'Points' }, type: 'number', validation: { min: 0, integer: true } });
    await catalog.createField(deps, me, { name: 'interests', label: { 'zh-TW': '興趣' }, type: 'multi_choice', validation: { options: ['travel', 'food', 'golf'] } });

    expect(await fieldsOfError(createContact(deps, me, { email: 'a@example.tw' }))).toEqual(['custom.member_level']);
    expect(
      await fieldsOfError(createContact(deps, me, { email: 'a@example.tw', custom: { member_level: 'bronze', points: 1.5, interests: ['ski'], nope: 1 } })),
    ).toEqual(['custom.interests', 'custom.member_level', 'custom.nope', 'custom.points']);

    const contact = await createContact(deps, me, { email: 'a@example.tw', custom: { member_level: 'gold', points: 120, interests: ['food', 'food', 'travel'] } });
    expect(contact.custom).toEqual({ member_level: 'gold', points: 120, interests: ['food', 'travel'] });
    expect(await getContact(deps, me, contact.id)).toEqual(contact);

    const updated = await updateContact(deps, me, contact.id, { custom: { points: 130, interests: null } });
    expect(updated.custom).toEqual({ member_level: 'gold', points: 130 });
    expect(await fieldsOfError(updateContact(deps, me, contact.id, { custom: { member_level: null } }))).toEqual(['custom.member_level']);
    expect((await getContact(deps, me, contact.id)).custom).toEqual({ member_level: 'gold', points: 130 });
  });

  it('keeps definitions out of contact listing and search', async () => {
    const me = principal();
    await catalog.createField(deps, me, { name: 'alpha', label: { en: 'Alpha' }, type: 'text' });
    await catalog.createGroup(deps, me, { name: 'Alpha group' });
    await catalog.createCategory(deps, me, { name: 'Alpha news' });
    const only = await createContact(deps, me, { email: 'al@example.tw', name: 'Al' });
    expect((await listContacts(deps, me, {})).items.map((c) => c.id)).toEqual([only.id]);
    expect((await listContacts(deps, me, { q: 'al' })).items.map((c) => c.id)).toEqual([only.id]);
    const stored = await db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `WS#${me.workspaceId}` } }));
    expect((stored.Items ?? []).map((i) => String(i.sk).split('#').slice(0, 2).join('#')).sort()).toEqual(['CONTACT#' + only.id, 'DEF#CATEGORY', 'DEF#FIELD', 'DEF#GROUP', 'EMAIL#al@example.tw'].sort());
  });

  it('refuses a second field of one name, and names clashing with standard fields', async () => {
    const me = principal();
    await catalog.createField(deps, me, { name: 'shoe_size', label: { en: 'Shoe size' }, type: 'number' });
    await expect(catalog.createField(deps, me, { name: 'shoe_size', label: { en: 'Again' }, type: 'text' })).rejects.toBeInstanceOf(ConflictError);
    expect(await fieldsOfError(catalog.createField(deps, me, { name: 'email', label: { en: 'E-mail' }, type: 'text' }))).toEqual(['name']);
    expect(await fieldsOfError(catalog.createField(deps, me, { name: 'created_at', label: { en: 'x' }, type: 'text' }))).toEqual(['name']);
  });

  it('changes a type only while no contact has used the field, and never removes a stored choice', async () => {
    const me = principal();
    await catalog.createField(deps, me, { name: 'tier', label: { en: 'Tier' }, type: 'text' });
    // Unused: the type may change.
    const changed = await catalog.updateField(deps, me, 'tier', { type: 'single_choice', validation: { options: ['a', 'b', 'c'] } });
    expect(changed).toMatchObject({ type: 'single_choice', inUse: false, validation: { options: ['a', 'b', 'c'] } });
    await createContact(deps, me, { email: 't@example.tw', custom: { tier: 'b' } });
    expect((await catalog.getField(deps, me, 'tier')).inUse).toBe(true);

    const typeChange = await catalog.updateField(deps, me, 'tier', { type: 'text' }).catch((e: unknown) => e);
    expect(typeChange).toBeInstanceOf(ConflictError);
    expect((typeChange as ConflictError).errors).toEqual([{ field: 'type', message: 'The field is in use' }]);

    const removeUsed = await catalog.updateField(deps, me, 'tier', { validation: { options: ['a', 'c'] } }).catch((e: unknown) => e);
    expect(removeUsed).toBeInstanceOf(ConflictError);
    expect((removeUsed as ConflictError).errors[0]?.field).toBe('validation.options');
    // A choice nobody ever stored may go; labels and required may always change.
    await expect(catalog.updateField(deps, me, 'tier', { validation: { options: ['a', 'b', 'd'] }, label: { en: 'Level' } })).resolves.toMatchObject({
      validation: { options: ['a', 'b', 'd'] },
      label: { en: 'Level' },
    });
    expect(await fieldsOfError(catalog.updateField(deps, me, 'tier', { validation: { options: [] } }))).toEqual(['validation.options']);
    await expect(catalog.updateField(deps, me, 'missing', { required: true })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a value written against a definition that changed meanwhile (the usage mark is conditional)', async () => {
    const me = principal();
    await catalog.createField(deps, me, { name: 'size', label: { en: 'Size' }, type: 'single_choice', validation: { options: ['S', 'M', 'L'] } });
    // Another container's view: cached definitions from before the change below.
    const otherContainer: ContactDeps = { ...deps, definitionsCache: new CachedDefinitions(deps.definitions, clock, 60_000) };
    await otherContainer.definitionsCache?.get(me.workspaceId);
    await catalog.updateField(deps, me, 'size', { validation: { options: ['S', 'M'] } });
    // The stale cache still lists L; the usage mark fails on the revision, fresh definitions refuse it.
    expect(await fieldsOfError(createContact(otherContainer, me, { email: 'l@example.tw', custom: { size: 'L' } }))).toEqual(['custom.size']);
  });

  it('deletes a field: its values disappear at once and a new field of that name starts empty', async () => {
    const me = principal();
    await catalog.createField(deps, me, { name: 'vip_code', label: { en: 'VIP code' }, type: 'text' });
    const contact = await createContact(deps, me, { email: 'v@example.tw', custom: { vip_code: 'X1' } });
    await catalog.deleteField(deps, me, 'vip_code');
    expect((await getContact(deps, me, contact.id)).custom).toEqual({});
    await catalog.createField(deps, me, { name: 'vip_code', label: { en: 'VIP code' }, type: 'number' });
    expect((await getContact(deps, me, contact.id)).custom).toEqual({});
    expect(await fieldsOfError(createContact(deps, me, { email: 'w@example.tw', custom: { vip_code: 'X1' } }))).toEqual(['custom.vip_code']);
  });

  it('adds and removes members in bulk, reporting ids not found, and filters by group', async () => {
    const me = principal();
    const group = await catalog.createGroup(deps, me, { name: '台北 VIP', sharedWith: [{ kind: 'department', id: 'dep_hq', access: 'read' }] });
    expect(group).toMatchObject({ departmentId: 'dep_sales', sharedWith: [{ kind: 'department', id: 'dep_hq', access: 'read' }], version: 1 });
    const people: Contact[] = [];
    for (let i = 0; i < 5; i++) people.push(await createContact(deps, me, { email: `m${i}@example.tw` }));
    const ids = people.map((p) => p.id);

    const added = await catalog.changeMembers(deps, me, group.id, { contactIds: [ids[0], ids[1], ids[2], 'NOPE1', ids[0]] }, 'add');
    expect(added).toEqual({ changed: 3, unchanged: 0, notFound: ['NOPE1'] });
    expect(await catalog.changeMembers(deps, me, group.id, { contactIds: [ids[1], ids[3]] }, 'add')).toEqual({ changed: 1, unchanged: 1, notFound: [] });
    const member = await getContact(deps, me, ids[1] as string);
    expect(member.groups).toEqual([group.id]);
    expect(member.version).toBe(2);

    const inGroup = async () => (await listContacts(deps, me, { group: group.id })).items.map((c) => c.id).sort();
    expect(await inGroup()).toEqual([ids[0], ids[1], ids[2], ids[3]].sort());
    expect(await catalog.changeMembers(deps, me, group.id, { contactIds: [ids[0], ids[4], 'NOPE2'] }, 'remove')).toEqual({ changed: 1, unchanged: 1, notFound: ['NOPE2'] });
    expect(await inGroup()).toEqual([ids[1], ids[2], ids[3]].sort());

    expect(await fieldsOfError(catalog.changeMembers(deps, me, group.id, { contactIds: Array.from({ length: 1001 }, (_, i) => `id${i}`) }, 'add'))).toEqual(['contactIds']);
    await expect(catalog.changeMembers(deps, me, 'NOGROUP', { contactIds: [ids[0]] }, 'add')).rejects.toBeInstanceOf(NotFoundError);
    // Membership through PATCH is checked against existing groups.
    expect(await fieldsOfError(updateContact(deps, me, ids[4] as string, { groups: ['NOGROUP'] }))).toEqual(['groups.0']);
  });

  it('deletes a group: membership vanishes at once, and the clean-up rewrites the contacts', async () => {
    const me = principal();
    const group = await catalog.createGroup(deps, me, { name: 'Doomed' });
    const keep = await catalog.createGroup(deps, me, { name: 'Kept' });
    const a = await createContact(deps, me, { email: 'a@example.tw', groups: [group.id, keep.id] });
    await catalog.deleteGroup(deps, me, group.id);
    const after = await getContact(deps, me, a.id);
    expect(after.groups).toEqual([keep.id]);
    expect(after.version).toBe(2); // the clean-up rewrote it (best effort, inside the delete's budget)
    expect(await fieldsOfError(listContacts(deps, me, { group: group.id }))).toEqual(['group']);
    await expect(catalog.deleteGroup(deps, me, group.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('subscribes per category and filters by category, status and score with pagination', async () => {
    const me = principal();
    const news = await catalog.createCategory(deps, me, { name: '電子報' });
    const offers = await catalog.createCategory(deps, me, { name: 'Offers' });
    const expected: string[] = [];
    for (let i = 0; i < 12; i++) {
      const c = await createContact(deps, me, {
        email: `s${i}@example.tw`,
        score: i * 10,
        status: i % 4 === 3 ? 'bounced' : 'active',
        subscriptions: { [news.id]: i % 2 === 0 ? 'subscribed' : 'unsubscribed', [offers.id]: 'subscribed' },
      });
      clock.advance(2);
      if (i % 2 === 0 && i % 4 !== 3 && i * 10 >= 20 && i * 10 <= 100) expected.push(c.id);
    }
    expect(await fieldsOfError(createContact(deps, me, { email: 'x@example.tw', subscriptions: { NOCAT: 'subscribed' } }))).toEqual(['subscriptions.NOCAT']);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listContacts(deps, me, { category: news.id, status: 'active', scoreMin: '20', scoreMax: '100', limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...expected].reverse());

    // Unsubscribing through PATCH takes the contact out of the category filter.
    const first = expected[0] as string;
    const changed = await updateContact(deps, me, first, { subscriptions: { [news.id]: 'unsubscribed' } });
    expect(changed.subscriptions).toEqual({ [news.id]: 'unsubscribed', [offers.id]: 'subscribed' });
    expect((await listContacts(deps, me, { category: news.id, scoreMin: '20', scoreMax: '100', limit: '100' })).items.map((c) => c.id)).not.toContain(first);
    // Deleting a category hides it from every contact.
    await catalog.deleteCategory(deps, me, offers.id);
    expect((await getContact(deps, me, first)).subscriptions).toEqual({ [news.id]: 'unsubscribed' });
  });

  it('filters by a custom value and combines it with search', async () => {
    const me = principal();
    await catalog.createField(deps, me, { name: 'level', label: { en: 'Level' }, type: 'single_choice', validation: { options: ['gold', 'silver'] } });
    await catalog.createField(deps, me, { name: 'tags2', label: { en: 'Topics' }, type: 'multi_choice', validation: { options: ['x', 'y'] } });
    await catalog.createField(deps, me, { name: 'age', label: { en: 'Age' }, type: 'number' });
    const gold = await createContact(deps, me, { email: 'gold@example.tw', name: 'Gina', custom: { level: 'gold', tags2: ['x', 'y'], age: 30 } });
    await createContact(deps, me, { email: 'silver@example.tw', name: 'Gabe', custom: { level: 'silver', tags2: ['y'], age: 30 } });
    expect((await listContacts(deps, me, { 'custom.level': 'gold' })).items.map((c) => c.id)).toEqual([gold.id]);
    expect((await listContacts(deps, me, { 'custom.tags2': 'x', 'custom.age': '30' })).items.map((c) => c.id)).toEqual([gold.id]);
    expect((await listContacts(deps, me, { q: 'g', 'custom.level': 'gold' })).items.map((c) => c.id)).toEqual([gold.id]);
    expect((await listContacts(deps, me, { q: 'gold@', 'custom.level': 'silver' })).items).toEqual([]);
    expect(await fieldsOfError(listContacts(deps, me, { 'custom.age': 'old', 'custom.nope': '1' }))).toEqual(['custom.age', 'custom.nope']);
  });

  it('keeps one contact\'s membership when a PATCH races a bulk add', async () => {
    const me = principal();
    const group = await catalog.createGroup(deps, me, { name: 'Race' });
    const c = await createContact(deps, me, { email: 'race@example.tw' });
    await Promise.all([
      catalog.changeMembers(deps, me, group.id, { contactIds: [c.id] }, 'add'),
      updateContact(deps, me, c.id, { title: '經理' }),
    ]);
    const final = await getContact(deps, me, c.id);
    expect(final.groups).toEqual([group.id]);
    expect(final.title).toBe('經理');
    expect(final.version).toBe(3);
  });
});
