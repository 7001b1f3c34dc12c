/**
 * The identity store and nonce store adapters against both DynamoDB emulators: dynalite (the
 * sandbox's) and DynamoDB Local (AWS's own), so the adapters keep to what both support.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoIdentityStore } from '../../shared/adapters/aws/identity-store.dynamodb';
import { createDynamoNonceStore } from '../../shared/adapters/aws/nonce-store.dynamodb';
import { ConflictError } from '../../shared/errors';
import type { StoredApiKey, StoredUser } from '../../shared/identity/model';
import type { IdentityStore, NonceStore } from '../../shared/identity/ports';
import {
  createTables,
  localDynamoClient,
  startDynalite,
  startDynamoDbLocal,
  type RunningDynamo,
} from '../../infra/local/emulators/dynamodb';

const emulators = [
  ['dynalite', () => startDynalite()],
  ['DynamoDB Local', () => startDynamoDbLocal()],
] as const;

const at = '2026-12-04T01:00:00.000Z';

function user(overrides: Partial<StoredUser> = {}): StoredUser {
  return {
    id: 'u-1',
    workspaceId: 'ws_a',
    email: 'mei@example.com',
    name: '陳美玲',
    role: 'operator',
    status: 'active',
    createdAt: at,
    updatedAt: at,
    failedSignIns: 0,
    ...overrides,
  };
}

function apiKey(overrides: Partial<StoredApiKey> = {}): StoredApiKey {
  return {
    id: 'key_1',
    workspaceId: 'ws_a',
    name: 'ERP',
    role: 'operator',
    rateLimit: 10,
    burstLimit: 20,
    hint: 'wxyz',
    createdAt: at,
    createdBy: 'u-1',
    secretCiphertext: 'v1.cipher',
    usagePlan: { usageKey: 'usage-1' },
    ...overrides,
  };
}

describe.each(emulators)('identity adapters on %s', (_name, start) => {
  let dynamo: RunningDynamo;
  let doc: DynamoDBDocumentClient;
  let store: IdentityStore;
  let nonces: NonceStore;

  beforeAll(async () => {
    dynamo = await start();
    const env = await createTables(dynamo.endpoint, 'test');
    doc = DynamoDBDocumentClient.from(localDynamoClient(dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } });
    store = createDynamoIdentityStore(doc, env.TABLE_IDENTITY!);
    nonces = createDynamoNonceStore(doc, env.TABLE_IDEMPOTENCY!);
  });

  afterAll(async () => {
    doc?.destroy();
    await dynamo?.stop();
  });

  it('creates a workspace once', async () => {
    expect(await store.createWorkspace({ id: 'ws_a', name: 'A', createdAt: at })).toBe(true);
    expect(await store.createWorkspace({ id: 'ws_a', name: 'A again', createdAt: at })).toBe(false);
    expect(await store.getWorkspace('ws_a')).toEqual({ id: 'ws_a', name: 'A', createdAt: at });
    expect(await store.getWorkspace('ws_missing')).toBeUndefined();
  });

  it('keeps departments per workspace', async () => {
    await store.createDepartment({ id: 'dep_1', workspaceId: 'ws_a', name: 'Marketing', createdAt: at });
    await store.createDepartment({ id: 'dep_2', workspaceId: 'ws_b', name: 'Sales', createdAt: at });
    expect((await store.listDepartments('ws_a')).map((d) => d.name)).toEqual(['Marketing']);
    expect(await store.getDepartment('ws_b', 'dep_1')).toBeUndefined();
    await expect(store.createDepartment({ id: 'dep_1', workspaceId: 'ws_a', name: 'Dup', createdAt: at })).rejects.toBeInstanceOf(ConflictError);
  });

  it('lets only one claim hold an e-mail address, and only its holder release it', async () => {
    expect(await store.claimEmail('mei@example.com', 'claim-1')).toBe(true);
    expect(await store.claimEmail('mei@example.com', 'claim-2')).toBe(false);
    await store.releaseEmail('mei@example.com', 'claim-2'); // not the holder: no effect
    expect(await store.claimEmail('mei@example.com', 'claim-3')).toBe(false);
    await store.releaseEmail('mei@example.com', 'claim-1');
    expect(await store.claimEmail('mei@example.com', 'claim-4')).toBe(true);
  });

  it('stores users, finds them by e-mail across workspaces and lists them per workspace', async () => {
    await store.createUser(user({ departmentId: 'dep_1', passwordHash: 'scrypt$x' }));
    await store.createUser(user({ id: 'u-2', email: 'james@example.com', name: 'James Lee', role: 'viewer' }));
    await store.createUser(user({ id: 'u-3', workspaceId: 'ws_b', email: 'other@example.com' }));
    await expect(store.createUser(user())).rejects.toBeInstanceOf(ConflictError);

    expect(await store.getUser('ws_a', 'u-1')).toEqual(user({ departmentId: 'dep_1', passwordHash: 'scrypt$x' }));
    expect(await store.getUser('ws_b', 'u-1')).toBeUndefined();
    expect((await store.findUserByEmail('james@example.com'))?.id).toBe('u-2');
    expect((await store.findUserByEmail('other@example.com'))?.workspaceId).toBe('ws_b');
    expect(await store.findUserByEmail('nobody@example.com')).toBeUndefined();
    expect((await store.listUsers('ws_a')).map((u) => u.id).sort()).toEqual(['u-1', 'u-2']);
  });

  it('updates and clears user fields, and reports a missing user', async () => {
    const updated = await store.updateUser('ws_a', 'u-1', { role: 'manager', departmentId: null, expiresAt: '2027-01-01T00:00:00.000Z', updatedAt: 'later' });
    expect(updated).toMatchObject({ role: 'manager', expiresAt: '2027-01-01T00:00:00.000Z', updatedAt: 'later', passwordHash: 'scrypt$x' });
    expect(updated).not.toHaveProperty('departmentId');
    expect(await store.updateUser('ws_b', 'u-1', { role: 'admin', updatedAt: 'later' })).toBeUndefined();
    expect(await store.getUser('ws_b', 'u-1')).toBeUndefined(); // no phantom item created
  });

  it('counts failed sign-ins atomically', async () => {
    const counts = await Promise.all([1, 2, 3].map(() => store.recordFailedSignIn('ws_a', 'u-2')));
    expect(counts.sort()).toEqual([1, 2, 3]);
    expect((await store.getUser('ws_a', 'u-2'))?.failedSignIns).toBe(3);
    await store.updateUser('ws_a', 'u-2', { failedSignIns: 0, updatedAt: at });
    expect(await store.recordFailedSignIn('ws_a', 'u-2')).toBe(1);
  });

  it('keeps API keys findable by id and listable per workspace; revokes once, within the workspace only', async () => {
    await store.createApiKey(apiKey());
    await store.createApiKey(apiKey({ id: 'key_2', createdAt: '2026-12-05T00:00:00.000Z' }));
    await store.createApiKey(apiKey({ id: 'key_3', workspaceId: 'ws_b' }));
    await expect(store.createApiKey(apiKey())).rejects.toBeInstanceOf(ConflictError);

    expect(await store.getApiKey('key_1')).toEqual(apiKey());
    expect((await store.listApiKeys('ws_a')).map((k) => k.id)).toEqual(['key_1', 'key_2']);

    expect(await store.revokeApiKey('ws_b', 'key_1', 'now')).toBeUndefined();
    expect((await store.getApiKey('key_1'))?.revokedAt).toBeUndefined();
    expect((await store.revokeApiKey('ws_a', 'key_1', 'first'))?.revokedAt).toBe('first');
    expect((await store.revokeApiKey('ws_a', 'key_1', 'second'))?.revokedAt).toBe('first');
    expect(await store.revokeApiKey('ws_a', 'key_missing', 'now')).toBeUndefined();
  });

  it('accepts a nonce once, per key, and again only after it expired', async () => {
    const now = new Date('2026-12-04T01:00:00Z');
    const expires = new Date(now.getTime() + 600_000);
    expect(await nonces.claim('key_1', 'nonce-aaaaaaaaaaaaaaaa', expires, now)).toBe(true);
    expect(await nonces.claim('key_1', 'nonce-aaaaaaaaaaaaaaaa', expires, now)).toBe(false);
    expect(await nonces.claim('key_2', 'nonce-aaaaaaaaaaaaaaaa', expires, now)).toBe(true);
    // Still within its life: a replay.
    expect(await nonces.claim('key_1', 'nonce-aaaaaaaaaaaaaaaa', expires, new Date(expires.getTime() - 1000))).toBe(false);
    // Expired (no TTL on the emulators): the stale item may be overwritten.
    const later = new Date(expires.getTime() + 2000);
    expect(await nonces.claim('key_1', 'nonce-aaaaaaaaaaaaaaaa', new Date(later.getTime() + 600_000), later)).toBe(true);
    expect(await nonces.claim('key_1', 'nonce-aaaaaaaaaaaaaaaa', new Date(later.getTime() + 600_000), later)).toBe(false);
  });

  it('lets only one of many parallel claims of a nonce win', async () => {
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => nonces.claim('key_race', 'nonce-bbbbbbbbbbbbbbbb', new Date(now.getTime() + 600_000), now)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
