/**
 * The contact scanner and segment counting against both emulators: every contact read exactly
 * once by concurrent range readers (also when ids are lopsided: hundreds created in one
 * millisecond among a few spread over years), projections, resumable id-order pages, segments
 * stored beside contacts without ever being read as contacts, and counts limited to what the
 * principal may read.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localDynamoClient, startDynalite, startDynamoDbLocal, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { DynamoContactScanner } from '../../shared/adapters/aws/contact-scanner.dynamodb';
import { DynamoContactStore } from '../../shared/adapters/aws/contact-store.dynamodb';
import { DynamoDefinitionStore } from '../../shared/adapters/aws/definition-store.dynamodb';
import { DynamoSegmentStore } from '../../shared/adapters/aws/segment-store.dynamodb';
import type { Principal } from '../../shared/api/operation';
import type { Contact } from '../../shared/contacts/contact';
import { listContacts } from '../../shared/contacts/contacts';
import { ulid } from '../../shared/contacts/ids';
import { countSegment, createSegment, listSegments, previewSegment, type SegmentDeps } from '../../shared/segments/segments';
import type { ContactRecord } from '../../shared/segments/evaluate';

const at = '2025-01-01T00:00:00.000Z';

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
])('contact scanner and segments on %s', (_name, start) => {
  let dynamo: RunningDynamo;
  let db: DynamoDBDocumentClient;
  let deps: SegmentDeps;
  let store: DynamoContactStore;
  let scanner: DynamoContactScanner;
  let table: string;
  const ws = `ws-${randomUUID()}`;
  const ids: string[] = [];

  const contact = (id: string, extra: Partial<Contact> = {}): Contact => ({
    id,
    mobile: `+8869${String(ids.length).padStart(8, '0')}`,
    tags: [],
    status: 'active',
    score: 0,
    groups: [],
    subscriptions: {},
    custom: {},
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...extra,
  });

  beforeAll(async () => {
    dynamo = await start();
    const env = await createTables(dynamo.endpoint, `s${randomUUID().slice(0, 8)}`);
    table = env.TABLE_CONTACTS as string;
    db = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } });
    store = new DynamoContactStore({ client: db, tableName: table });
    scanner = new DynamoContactScanner({ client: db, tableName: table });
    const definitions = new DynamoDefinitionStore({ client: db, tableName: table });
    deps = { store, definitions, clock: { now: () => new Date() }, segments: new DynamoSegmentStore({ client: db, tableName: table }), scanner, scanParallelism: 6 };
    await definitions.put(ws, 'group', { id: 'GSHARED', name: 'Shared', departmentId: 'D2', sharedWith: [{ kind: 'department', id: 'D1', access: 'read' }], createdAt: at, updatedAt: at, version: 1 });

    // Lopsided ids: 20 spread over five years, 280 within one millisecond.
    const base = Date.parse('2020-01-01T00:00:00Z');
    for (let i = 0; i < 20; i++) ids.push(ulid(base + i * 86_400_000 * 90));
    for (let i = 0; i < 280; i++) ids.push(ulid(Date.parse('2025-05-05T05:05:05Z')));
    const made = ids.map((id, i) =>
      contact(id, {
        score: i % 10,
        // D1: a third; D2: a third (some in the shared group); the rest no department.
        ...(i % 3 === 0 ? { departmentId: 'D1' } : i % 3 === 1 ? { departmentId: 'D2', ...(i % 2 === 0 ? { groups: ['GSHARED'] } : {}) } : {}),
        ...(i % 5 === 0 ? { city: 'Taipei' } : {}),
      }),
    );
    for (let i = 0; i < made.length; i += 25) await Promise.all(made.slice(i, i + 25).map((c) => store.create(ws, c)));
  }, 180_000);

  afterAll(async () => {
    db?.destroy();
    await dynamo?.stop();
  });

  it('reads every contact exactly once with concurrent range readers, projected', async () => {
    const seen: ContactRecord[] = [];
    const result = await scanner.scan(ws, { attributes: ['score'], parallelism: 8, pageSize: 7 }, (page) => seen.push(...page));
    expect(result.read).toBe(ids.length);
    expect(seen.map((c) => c.id).sort()).toEqual([...ids].sort());
    // Projection: the asked attribute and what visibility needs, nothing else.
    const sample = seen.find((c) => c.city !== undefined || c.mobile !== undefined);
    expect(sample).toBeUndefined();
    expect(Object.keys(seen[0] ?? {}).every((k) => ['id', 'score', 'departmentId', 'groups'].includes(k))).toBe(true);
  });

  it('splits work only where a page found more: readers overlap, and a small workspace costs a few queries', async () => {
    let inFlight = 0;
    let most = 0;
    let queries = 0;
    const counting = {
      send: async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        queries++;
        most = Math.max(most, ++inFlight);
        try {
          return await db.send(command);
        } finally {
          inFlight--;
        }
      },
    } as unknown as DynamoDBDocumentClient;
    const counted = new DynamoContactScanner({ client: counting, tableName: table });

    const result = await counted.scan(ws, { parallelism: 8, pageSize: 7 }, () => undefined);
    expect(result.read).toBe(ids.length);
    expect(most).toBeGreaterThan(1);
    // 300 contacts in pages of 7 are at least 43 queries (plus the two edge reads); splitting
    // may add some, never hundreds.
    expect(queries).toBeLessThan(2 * Math.ceil(ids.length / 7) + 20);

    queries = 0;
    const small = await counted.scan(ws, { parallelism: 8 }, () => undefined);
    expect(small.read).toBe(ids.length);
    expect(queries).toBe(3); // first id, last id, one page: nothing to split
  });

  it('reads an empty workspace as nothing', async () => {
    expect(await scanner.scan(`ws-${randomUUID()}`, {}, () => undefined)).toEqual({ read: 0 });
  });

  it('pages in id order from any position', async () => {
    const read: string[] = [];
    let after: string | undefined;
    do {
      const page = await scanner.page(ws, { limit: 64, ...(after ? { after } : {}) });
      read.push(...page.contacts.map((c) => String(c.id)));
      after = page.next;
    } while (after);
    expect(read).toEqual([...ids].sort());
  });

  it('keeps segments beside contacts where contact lists never see them', async () => {
    const admin: Principal = { kind: 'user', id: 'admin', workspaceId: ws, role: 'admin' };
    const segment = await createSegment(deps, admin, { name: 'Taipei', rules: { match: 'all', conditions: [{ field: 'city', op: 'eq', value: 'taipei' }] } });
    expect((await listSegments(deps, admin)).items.map((s) => s.id)).toEqual([segment.id]);
    const listed = await listContacts(deps, admin, { limit: '100' });
    expect(listed.items.every((c) => ids.includes(c.id))).toBe(true);
    const seen: ContactRecord[] = [];
    await scanner.scan(ws, {}, (page) => seen.push(...page));
    expect(seen).toHaveLength(ids.length);

    expect((await countSegment(deps, admin, segment.id)).count).toBe(ids.filter((_, i) => i % 5 === 0).length);
  });

  it('counts only contacts the principal may read, with the newest as sample', async () => {
    const viewer: Principal = { kind: 'user', id: 'v1', workspaceId: ws, role: 'viewer', departmentId: 'D1' };
    const rules = { match: 'all', conditions: [{ field: 'score', op: 'gte', value: 5 }] };
    const readable = (i: number) => i % 3 === 0 || i % 3 === 2 || (i % 3 === 1 && i % 2 === 0);
    const expected = ids.map((id, i) => ({ id, i })).filter(({ i }) => i % 10 >= 5 && readable(i));
    const result = await previewSegment(deps, viewer, { rules });
    expect(result.count).toBe(expected.length);
    expect(result.sample).toHaveLength(10);
    const newest = expected.map((e) => e.id).sort().reverse().slice(0, 10);
    expect(result.sample.map((c) => c.id)).toEqual(newest);

    const admin: Principal = { kind: 'user', id: 'admin', workspaceId: ws, role: 'admin' };
    expect((await previewSegment(deps, admin, { rules })).count).toBe(ids.filter((_, i) => i % 10 >= 5).length);
  });
});
