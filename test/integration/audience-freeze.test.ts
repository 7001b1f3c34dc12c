/**
 * freezeAudience over real contact data on both DynamoDB emulators, with parts written to and read
 * back from s3rver: contacts, a custom field, groups (one of another department), a category and a
 * segment made through the contacts and segments use cases; the suppression table; what the
 * launcher may read; identical parts on a rerun; and the adapters built from the environment.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localCredentials, localDynamoClient, localRegion, startDynalite, startDynamoDbLocal, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { startS3rver, type RunningS3 } from '../../infra/local/emulators/s3';
import { S3BlobStore } from '../../shared/adapters/aws/blob-store.s3';
import { DynamoContactScanner } from '../../shared/adapters/aws/contact-scanner.dynamodb';
import { DynamoContactStore } from '../../shared/adapters/aws/contact-store.dynamodb';
import { DynamoDefinitionStore } from '../../shared/adapters/aws/definition-store.dynamodb';
import { DynamoSegmentStore } from '../../shared/adapters/aws/segment-store.dynamodb';
import { DynamoSuppressionStore } from '../../shared/adapters/aws/suppression-store.dynamodb';
import type { Principal } from '../../shared/api/operation';
import { audienceDepsFromEnv } from '../../shared/audience/deps-from-env';
import { freezeAudience, type FreezeInput } from '../../shared/audience/freeze';
import { readAudiencePart } from '../../shared/audience/parts';
import type { AudienceDeps, PreviousRecipient } from '../../shared/audience/ports';
import type { FrozenAudience, FrozenRecipient } from '../../shared/audience/types';
import type { AudienceSource } from '../../shared/campaigns/model';
import { createCategory, createField, createGroup } from '../../shared/contacts/catalog';
import { createContact } from '../../shared/contacts/contacts';
import { ValidationError } from '../../shared/errors';
import type { BlobStore } from '../../shared/ports/blob-store';
import { createSegment, type SegmentDeps } from '../../shared/segments/segments';

const bucket = 'uploads';

describe.each([
  ['dynalite', startDynalite],
  ['DynamoDB Local', startDynamoDbLocal],
])('freezing audiences on %s', (name, start) => {
  let dynamo: RunningDynamo;
  let s3: RunningS3;
  let s3Directory: string;
  let db: DynamoDBDocumentClient;
  let env: Record<string, string>;
  let deps: AudienceDeps;
  let blobs: BlobStore;
  const ws = `ws-${randomUUID()}`;
  const admin: Principal = { kind: 'user', id: 'u-admin', workspaceId: ws, role: 'admin' };
  const operatorD1: Principal = { kind: 'user', id: 'u-op1', workspaceId: ws, role: 'operator', departmentId: 'D1' };
  const managerD2: Principal = { kind: 'user', id: 'u-mgr2', workspaceId: ws, role: 'manager', departmentId: 'D2' };
  const ids: Record<string, string> = {};
  const earlier: PreviousRecipient[] = [];
  let vip = '';
  let d2Only = '';
  let news = '';
  let taipei = '';

  const input = (sources: AudienceSource[], extra: Partial<FreezeInput> = {}): FreezeInput => ({
    workspaceId: ws,
    campaignId: 'c1',
    runId: 'r1',
    type: 'formal',
    audience: { sources, exclusions: [] },
    viewer: admin,
    ...extra,
  });
  const recipientsOf = async (frozen: FrozenAudience, from: BlobStore = blobs): Promise<FrozenRecipient[]> =>
    (await Promise.all(frozen.parts.map((key) => readAudiencePart(from, key)))).flat();

  beforeAll(async () => {
    dynamo = await start();
    env = await createTables(dynamo.endpoint, `aud${randomUUID().slice(0, 8)}`);
    s3Directory = await mkdtemp(join(tmpdir(), 'pigeon-audience-'));
    s3 = await startS3rver({ directory: s3Directory, buckets: [bucket] });
    db = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } });
    const table = env.TABLE_CONTACTS as string;
    const store = new DynamoContactStore({ client: db, tableName: table });
    const definitions = new DynamoDefinitionStore({ client: db, tableName: table });
    const scanner = new DynamoContactScanner({ client: db, tableName: table });
    const segments = new DynamoSegmentStore({ client: db, tableName: table });
    let sequence = 0;
    // Ids in creation order, so the expected order of the frozen contacts is plain to read.
    const contactDeps: SegmentDeps = { store, definitions, segments, scanner, clock: { now: () => new Date() }, newId: () => `ID${String(++sequence).padStart(6, '0')}` };
    blobs = new S3BlobStore(bucket, new S3Client({ endpoint: s3.endpoint, region: localRegion, credentials: localCredentials, forcePathStyle: true }));
    const suppression = new DynamoSuppressionStore({ client: db, tableName: env.TABLE_SUPPRESSION as string });
    deps = {
      contacts: store,
      definitions,
      scanner,
      segments,
      suppression,
      blobs,
      previousRecipients: {
        async *read(_ws, campaignId, runId, who) {
          if (campaignId === 'c0' && runId === 'r0' && who === 'all') yield* earlier;
        },
      },
      clock: { now: () => new Date() },
      scanParallelism: 4,
    };

    await createField(contactDeps, admin, { name: 'tier', label: { en: 'Tier' }, type: 'text' });
    vip = (await createGroup(contactDeps, admin, { name: 'VIP' })).id;
    d2Only = (await createGroup(contactDeps, managerD2, { name: 'D2 only' })).id;
    news = (await createCategory(contactDeps, admin, { name: 'News' })).id;
    const add = async (key: string, body: Record<string, unknown>) => (ids[key] = (await createContact(contactDeps, admin, body)).id);
    await add('ann', { email: 'ann@example.com', name: 'Ann', city: 'Taipei', groups: [vip], subscriptions: { [news]: 'subscribed' }, custom: { tier: 'gold' } });
    await add('bob', { email: 'bob@example.com', name: 'Bob', city: 'Taipei', groups: [vip], departmentId: 'D1' });
    await add('cat', { email: 'cat@example.com', name: 'Cat', groups: [vip], departmentId: 'D2' });
    await add('dan', { email: 'dan@example.com', groups: [vip], status: 'unsubscribed' });
    await add('eve', { email: 'eve@example.com', groups: [vip] });
    await add('fay', { mobile: '+886912345678', groups: [vip] });
    await add('gus', { email: 'gus@example.com', groups: [d2Only], departmentId: 'D2', subscriptions: { [news]: 'subscribed' } });
    for (let i = 0; i < 60; i++) await add(`m${i}`, { email: `m${i}@example.com`, groups: [vip] });
    taipei = (await createSegment(contactDeps, admin, { name: 'Taipei', rules: { match: 'all', conditions: [{ field: 'city', op: 'eq', value: 'taipei' }] } })).id;
    await suppression.add(ws, [{ email: 'EVE@example.com', reason: 'bounce', detail: '550 5.1.1', at: new Date().toISOString() }]);
    await blobs.put(`imports/${ws}/up1/extra.csv`, 'Email,Name\nnew@example.com,Again\nzed@example.com,Zed\n', 'text/csv');
    earlier.push({ email: 'ann.old@example.com', contactId: ids.ann as string }, { email: 'walk-in@example.com', fields: { name: 'Walk-in' } });
  }, 300_000);

  afterAll(async () => {
    db?.destroy();
    await s3?.stop();
    await dynamo?.stop();
    if (s3Directory) await rm(s3Directory, { recursive: true, force: true });
  });

  /** Built per test: the ids exist only once beforeAll has run. */
  const sources = (): AudienceSource[] => [
    { kind: 'groups', groupIds: [vip] },
    { kind: 'segment', segmentId: taipei },
    { kind: 'list', lines: ['ann@example.com,Annie', 'new@example.com'] },
    { kind: 'upload', key: `imports/${ws}/up1/extra.csv`, fileName: 'extra.csv' },
  ];

  it('freezes groups, a segment, a list and an upload into parts, with the funnel\'s counts', async () => {
    const frozen = await freezeAudience(deps, { ...input([]), audience: { sources: sources(), exclusions: [{ kind: 'list', lines: ['m0@example.com'] }] } });
    expect(frozen.summary).toEqual({ total: 64, duplicates: 4, invalid: 1, corrected: 0, suppressed: 2, excluded: 1 });
    expect(frozen.parts).toEqual([`audiences/${ws}/c1/r1/part-00001.ndjson`, `audiences/${ws}/c1/r1/part-00002.ndjson`]);
    const recipients = await recipientsOf(frozen);
    expect(recipients.map((r) => r.email)).toEqual([
      'ann@example.com',
      'bob@example.com',
      'cat@example.com',
      ...Array.from({ length: 59 }, (_, i) => `m${i + 1}@example.com`),
      'new@example.com',
      'zed@example.com',
    ]);
    expect(recipients[0]).toEqual({ email: 'ann@example.com', contactId: ids.ann, fields: { email: 'ann@example.com', name: 'Ann', city: 'Taipei', score: 0, custom: { tier: 'gold' } } });
    expect(recipients.at(-1)).toEqual({ email: 'zed@example.com', fields: { Email: 'zed@example.com', Name: 'Zed', name: 'Zed', email: 'zed@example.com' } });
  });

  it('rewrites identical parts when run again', async () => {
    const first = await freezeAudience(deps, input(sources(), { runId: 'r-again' }));
    const texts = await Promise.all(first.parts.map(async (key) => new TextDecoder().decode(await blobs.get(key))));
    const again = await freezeAudience(deps, input(sources(), { runId: 'r-again' }));
    expect(again).toEqual(first);
    expect(await Promise.all(again.parts.map(async (key) => new TextDecoder().decode(await blobs.get(key))))).toEqual(texts);
  });

  it('holds only what the launcher may read', async () => {
    const frozen = await freezeAudience(deps, input([{ kind: 'groups', groupIds: [vip] }, { kind: 'categories', categoryIds: [news] }], { viewer: operatorD1 }));
    const emails = (await recipientsOf(frozen)).map((r) => r.email);
    expect(emails).toContain('bob@example.com');
    expect(emails).toContain('ann@example.com');
    expect(emails).not.toContain('cat@example.com');
    expect(emails).not.toContain('gus@example.com');
    const admins = (await recipientsOf(await freezeAudience(deps, input([{ kind: 'categories', categoryIds: [news] }], { runId: 'r-admin' })))).map((r) => r.email);
    expect(admins).toEqual(['ann@example.com', 'gus@example.com']);

    const error = await freezeAudience(deps, input([{ kind: 'groups', groupIds: [d2Only] }], { viewer: operatorD1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors[0]?.field).toBe('audience.sources.0.groupIds.0');
  });

  it('re-reads an earlier run\'s contacts for their current fields', async () => {
    const frozen = await freezeAudience(deps, input([{ kind: 'campaign', campaignId: 'c0', runId: 'r0', who: 'all' }]));
    expect(await recipientsOf(frozen)).toEqual([
      { email: 'ann@example.com', contactId: ids.ann, fields: { email: 'ann@example.com', name: 'Ann', city: 'Taipei', score: 0, custom: { tier: 'gold' } } },
      { email: 'walk-in@example.com', fields: { name: 'Walk-in', email: 'walk-in@example.com' } },
    ]);
  });

  it.runIf(name === 'dynalite')('runs on the adapters audienceDepsFromEnv builds', async () => {
    Object.assign(process.env, {
      AWS_REGION: localRegion,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      TABLE_CONTACTS: env.TABLE_CONTACTS,
      TABLE_SUPPRESSION: env.TABLE_SUPPRESSION,
      BUCKET_UPLOADS: bucket,
    });
    const fromEnv = audienceDepsFromEnv({ previousRecipients: deps.previousRecipients });
    const frozen = await freezeAudience(fromEnv, input(sources(), { runId: 'r-env' }));
    expect(frozen.summary).toMatchObject({ total: 65, suppressed: 2, invalid: 1 });
    expect((await recipientsOf(frozen, fromEnv.blobs))[0]?.contactId).toBe(ids.ann);
  });
});
