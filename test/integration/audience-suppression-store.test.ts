/**
 * The suppression table's adapter on both emulators: addresses kept lower-cased, reasons that
 * never weaken whatever order adds arrive in (also concurrently), the first time kept, bulk
 * look-ups across many batches with throttled keys retried, removal, and paging in address order.
 */
import { randomUUID } from 'node:crypto';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localDynamoClient, startDynalite, startDynamoDbLocal, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { DynamoSuppressionStore } from '../../shared/adapters/aws/suppression-store.dynamodb';
import { ValidationError } from '../../shared/errors';
import type { SuppressionReason } from '../../shared/suppression/model';

const time = (day: number) => `2026-03-${String(day).padStart(2, '0')}T00:00:00.000Z`;

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
])('suppression store on %s', (_name, start) => {
  let dynamo: RunningDynamo;
  let db: DynamoDBDocumentClient;
  let table: string;
  let store: DynamoSuppressionStore;
  const ws = `ws-${randomUUID()}`;

  beforeAll(async () => {
    dynamo = await start();
    const env = await createTables(dynamo.endpoint, `sup${randomUUID().slice(0, 8)}`);
    table = env.TABLE_SUPPRESSION as string;
    db = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } });
    store = new DynamoSuppressionStore({ client: db, tableName: table });
  }, 120_000);

  afterAll(async () => {
    db?.destroy();
    await dynamo?.stop();
  });

  it('keeps addresses lower-cased and reads them in any case', async () => {
    await store.add(ws, [{ email: ' Wang@Example.COM ', reason: 'unsubscribe', campaignId: 'c1', at: time(5) }]);
    expect(await store.get(ws, 'WANG@example.com')).toEqual({ email: 'wang@example.com', reason: 'unsubscribe', campaignId: 'c1', at: time(5) });
    expect(await store.get(`other-${ws}`, 'wang@example.com')).toBeUndefined();
  });

  it('never weakens a reason, moves to a stronger one, and keeps the first time', async () => {
    const email = `strong-${randomUUID()}@example.com`;
    await store.add(ws, [{ email, reason: 'bounce', detail: '550 5.1.1 user unknown', campaignId: 'c1', at: time(10) }]);
    await store.add(ws, [{ email, reason: 'manual', detail: 'added by hand', at: time(12) }]);
    expect(await store.get(ws, email)).toEqual({ email, reason: 'bounce', detail: '550 5.1.1 user unknown', campaignId: 'c1', at: time(10) });

    // An older event of a weaker reason: the reason stays, the time moves back.
    await store.add(ws, [{ email, reason: 'unsubscribe', at: time(8) }]);
    expect(await store.get(ws, email)).toMatchObject({ reason: 'bounce', at: time(8) });

    // A stronger reason replaces reason, detail and campaign; the first time stays.
    await store.add(ws, [{ email, reason: 'complaint', at: time(20) }]);
    expect(await store.get(ws, email)).toEqual({ email, reason: 'complaint', at: time(8) });
    await store.add(ws, [{ email, reason: 'bounce', detail: 'later', at: time(21) }]);
    expect(await store.get(ws, email)).toEqual({ email, reason: 'complaint', at: time(8) });
  });

  it('converges on the strongest reason and earliest time under concurrent adds in any order', async () => {
    const email = `race-${randomUUID()}@example.com`;
    const reasons: SuppressionReason[] = ['manual', 'unsubscribe', 'bounce', 'complaint'];
    const adds = Array.from({ length: 24 }, (_, i) => ({ email, reason: reasons[(i * 7) % 4] as SuppressionReason, at: time(1 + ((i * 5) % 24)) }));
    await Promise.all(adds.map((entry) => store.add(ws, [entry])));
    expect(await store.get(ws, email)).toMatchObject({ reason: 'complaint', at: time(1) });
  });

  it('finds the suppressed among many addresses, retrying keys DynamoDB hands back', async () => {
    const bulkWs = `bulk-${randomUUID()}`;
    const suppressed = Array.from({ length: 260 }, (_, i) => `s${i}@example.com`);
    await store.add(bulkWs, suppressed.map((email) => ({ email, reason: 'unsubscribe' as const, at: time(1) })));
    const asked = [...Array.from({ length: 400 }, (_, i) => `s${i}@example.com`), 'S0@EXAMPLE.COM', 's1@example.com', ''];

    // Every full batch comes back with half its keys unprocessed, as under throttling; the retry of that half succeeds.
    let reads = 0;
    let handedBack = 0;
    const throttled = {
      send: async (command: unknown) => {
        if (!(command instanceof BatchGetCommand)) return db.send(command as never);
        reads++;
        const request = command.input.RequestItems?.[table];
        const keys = request?.Keys ?? [];
        if (keys.length <= 50) return db.send(command);
        const half = Math.ceil(keys.length / 2);
        handedBack += keys.length - half;
        const answered = await db.send(new BatchGetCommand({ RequestItems: { [table]: { ...request, Keys: keys.slice(0, half) } } }));
        return { ...answered, UnprocessedKeys: { [table]: { ...request, Keys: keys.slice(half) } } };
      },
    } as unknown as DynamoDBDocumentClient;
    const found = await new DynamoSuppressionStore({ client: throttled, tableName: table }).filterSuppressed(bulkWs, asked);
    expect([...found].sort()).toEqual([...suppressed].sort());
    expect(handedBack).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(4);
    expect(await store.filterSuppressed(bulkWs, [])).toEqual(new Set());
  });

  it('removes an address, and pages through the list in address order', async () => {
    const listWs = `list-${randomUUID()}`;
    const emails = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}@example.com`);
    await store.add(listWs, emails.map((email, i) => ({ email, reason: i % 2 ? ('bounce' as const) : ('manual' as const), at: time(2) })));
    await store.remove(listWs, 'P03@example.com');
    expect(await store.get(listWs, 'p03@example.com')).toBeUndefined();
    expect(await store.filterSuppressed(listWs, ['p03@example.com', 'p04@example.com'])).toEqual(new Set(['p04@example.com']));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(listWs, { limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((r) => r.email));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(emails.filter((e) => e !== 'p03@example.com'));
    await expect(store.list(listWs, { limit: 10, cursor: 'bogus' })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.list(listWs, { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
  });
});
