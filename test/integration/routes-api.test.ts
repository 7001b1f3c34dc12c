/**
 * The API handler end to end: hand-built API Gateway events (as the authorizer leaves them) →
 * middy + Powertools → router → contact use cases → DynamoDB adapter → dynalite.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localCredentials, localRegion, startDynalite, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import type { Principal } from '../../shared/api/operation';
import { identityStoreFromEnv } from '../../shared/identity/deps-from-env';
import { apiEvent, lambdaContext, loadSampleEvent, userPrincipal, type EventOptions } from '../unit/http-fixtures';

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyResult>;

const origin = 'http://127.0.0.1:5173';
let dynamo: RunningDynamo;
let handler: Handler;
const saved = { ...process.env };

beforeAll(async () => {
  dynamo = await startDynalite();
  const tables = await createTables(dynamo.endpoint, `api${Date.now()}`);
  Object.assign(process.env, tables, {
    PIGEON_RUNTIME: 'local',
    PIGEON_STAGE: 'test',
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    CONSOLE_ORIGIN: origin,
    LOCAL_KEYS_DIR: mkdtempSync(join(tmpdir(), 'pigeon-keys-')),
    JWT_ISSUER: 'http://127.0.0.1/local-issuer',
    JWT_AUDIENCE: 'pigeon-console',
    JWKS_URL: 'http://127.0.0.1/.well-known/jwks.json',
    POWERTOOLS_SERVICE_NAME: 'pigeon-api-test',
    POWERTOOLS_METRICS_NAMESPACE: 'PigeonTest',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  // Imported after the environment is set: the handler reads it once, at module scope.
  ({ handler } = (await import('../../functions/api/handler')) as { handler: Handler });
});

afterAll(async () => {
  await dynamo?.stop();
  process.env = saved;
});

const workspace = `ws-${Date.now()}`;
const operator = userPrincipal('operator', workspace);
const viewer = userPrincipal('viewer', workspace);

async function call(options: EventOptions | APIGatewayProxyEvent) {
  const event = 'httpMethod' in options ? options : apiEvent(options);
  const result = await handler(event, lambdaContext());
  expect(result.headers?.['Access-Control-Allow-Origin']).toBe(origin);
  return { ...result, json: result.body ? (JSON.parse(result.body) as Record<string, any>) : undefined }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const withPrincipal = (event: APIGatewayProxyEvent, principal: Principal, id?: string): APIGatewayProxyEvent => {
  const withAuth = apiEvent({ method: event.httpMethod, resource: event.resource, principal });
  return {
    ...event,
    ...(id ? { path: event.resource.replace('{id}', id), pathParameters: { id } } : {}),
    requestContext: { ...event.requestContext, authorizer: withAuth.requestContext.authorizer },
  };
};

describe('API handler against dynalite', () => {
  it('answers /health with version and stage (the committed sample event)', async () => {
    const result = await call(loadSampleEvent('health.json'));
    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), stage: 'test' });
  });

  it('serves its OpenAPI document', async () => {
    const result = await call({ method: 'GET', resource: '/openapi.json', principal: null });
    expect(result.statusCode).toBe(200);
    expect(result.json?.openapi).toBe('3.1.0');
  });

  it('creates, finds, updates and deletes a contact, with the problems a client would hit', async () => {
    const created = await call({
      method: 'POST',
      resource: '/contacts',
      principal: operator,
      headers: { Host: '127.0.0.1:3000', 'X-Forwarded-Proto': 'http' },
      body: { email: 'Lin.YiJun@Example.TW', mobile: '0912 345 678', name: '林怡君', tags: ['vip'] },
    });
    expect(created.statusCode).toBe(201);
    const contact = created.json as { id: string; version: number };
    expect(created.json).toMatchObject({ email: 'lin.yijun@example.tw', mobile: '+886912345678', status: 'active', version: 1 });
    expect(created.headers?.Location).toBe(`http://127.0.0.1:3000/contacts/${contact.id}`);
    expect(created.headers?.['Content-Type']).toContain('application/json');

    const duplicate = await call({ method: 'POST', resource: '/contacts', principal: operator, body: { email: 'lin.yijun@example.tw' } });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.headers?.['Content-Type']).toBe('application/problem+json');
    expect(duplicate.json).toMatchObject({ status: 409, title: 'Conflict', errors: [{ field: 'email' }] });

    const bad = await call({ method: 'POST', resource: '/contacts', principal: operator, body: { email: 'x@example.tw', birthday: '1990-13-01' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json?.errors).toEqual([{ field: 'birthday', message: expect.any(String) }]);

    const noBody = await call({ method: 'POST', resource: '/contacts', principal: operator });
    expect(noBody.statusCode).toBe(400);
    expect(noBody.json?.errors).toEqual([{ field: 'body', message: 'Required' }]);

    const got = await call({ method: 'GET', resource: '/contacts/{id}', pathParameters: { id: contact.id }, principal: viewer });
    expect(got.statusCode).toBe(200);
    expect(got.json).toEqual(created.json);
    expect(got.headers?.ETag).toBe('"1"');

    const listed = await call({ method: 'GET', resource: '/contacts', query: { q: '林' }, principal: viewer });
    expect(listed.json?.items.map((c: { id: string }) => c.id)).toEqual([contact.id]);

    const updated = await call({
      method: 'PATCH',
      resource: '/contacts/{id}',
      pathParameters: { id: contact.id },
      principal: operator,
      headers: { 'If-Match': '"1"' },
      body: { title: '行銷經理', mobile: null },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json).toMatchObject({ title: '行銷經理', version: 2 });
    expect(updated.json?.mobile).toBeUndefined();

    const stale = await call({
      method: 'PATCH',
      resource: '/contacts/{id}',
      pathParameters: { id: contact.id },
      principal: operator,
      headers: { 'If-Match': '"1"' },
      body: { title: 'x' },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json).toMatchObject({ status: 412, title: 'Precondition failed' });

    const forbidden = await call({ method: 'DELETE', resource: '/contacts/{id}', pathParameters: { id: contact.id }, principal: viewer });
    expect(forbidden.statusCode).toBe(403);

    const deleted = await call({ method: 'DELETE', resource: '/contacts/{id}', pathParameters: { id: contact.id }, principal: operator });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');

    const gone = await call({ method: 'GET', resource: '/contacts/{id}', pathParameters: { id: contact.id }, principal: viewer });
    expect(gone.statusCode).toBe(404);
    expect(gone.json).toMatchObject({ status: 404, type: 'urn:pigeon:problem:not-found' });
  });

  it('refuses a viewer\'s create with 403 naming the role needed, and no identity with 401', async () => {
    const asViewer = await call({ method: 'POST', resource: '/contacts', principal: viewer, body: { email: 'v@example.tw' } });
    expect(asViewer.statusCode).toBe(403);
    expect(asViewer.json?.detail).toContain('needs the operator role');
    const anonymous = await call({ method: 'GET', resource: '/contacts', principal: null });
    expect(anonymous.statusCode).toBe(401);
  });

  it('keeps workspaces apart', async () => {
    const mine = await call({ method: 'POST', resource: '/contacts', principal: operator, body: { email: 'shared@example.tw' } });
    const other = userPrincipal('admin', `${workspace}-other`);
    const peek = await call({ method: 'GET', resource: '/contacts/{id}', pathParameters: { id: mine.json?.id }, principal: other });
    expect(peek.statusCode).toBe(404);
    const same = await call({ method: 'POST', resource: '/contacts', principal: other, body: { email: 'shared@example.tw' } });
    expect(same.statusCode).toBe(201);
  });

  it('answers a bad limit or a forged cursor with 400, not 500', async () => {
    const limit = await call({ method: 'GET', resource: '/contacts', query: { limit: '1000' }, principal: viewer });
    expect(limit.statusCode).toBe(400);
    expect(limit.json?.errors[0].field).toBe('limit');
    const cursor = await call({ method: 'GET', resource: '/contacts', query: { cursor: 'eyJ2IjoxfQ.AAAA' }, principal: viewer });
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json?.errors[0].field).toBe('cursor');
  });

  it('runs every committed sample event', async () => {
    const created = await call(loadSampleEvent('create-contact.json'));
    expect(created.statusCode).toBe(201);
    expect(created.headers?.Location).toMatch(/^https:\/\/a1b2c3d4e5\.execute-api\.ap-northeast-1\.amazonaws\.com\/prod\/contacts\//);
    const id = created.json?.id as string;
    // The samples carry the authorizer's context for their own workspace; point them at the new contact.
    const sampleAuthor = loadSampleEvent('get-contact.json').requestContext.authorizer as Record<string, string>;
    // Its department too: the contact was created in it, and only its department sees it.
    const author: Principal = {
      kind: 'user',
      id: sampleAuthor.principalId as string,
      workspaceId: sampleAuthor.workspaceId as string,
      role: 'operator',
      departmentId: sampleAuthor.departmentId as string,
    };
    expect((await call(withPrincipal(loadSampleEvent('get-contact.json'), author, id))).statusCode).toBe(200);
    expect((await call(loadSampleEvent('list-contacts.json'))).json?.items.map((c: { id: string }) => c.id)).toContain(id);
    expect((await call(withPrincipal(loadSampleEvent('update-contact.json'), author, id))).statusCode).toBe(200);
    expect((await call(withPrincipal(loadSampleEvent('delete-contact.json'), author, id))).statusCode).toBe(204);
    expect((await call(loadSampleEvent('get-contact.json'))).statusCode).toBe(404);
  });
});

describe('custom fields, groups and categories through the API handler', () => {
  const ws = `ws-catalog-${Date.now()}`;
  const admin = userPrincipal('admin', ws);
  const manager = userPrincipal('manager', ws);
  const op = userPrincipal('operator', ws);
  const look = userPrincipal('viewer', ws);

  it('defines a field, validates contacts against it, filters by it, and refuses a type change once used', async () => {
    const defined = await call({
      method: 'POST',
      resource: '/fields',
      principal: admin,
      body: { name: 'member_level', label: { 'zh-TW': '會員等級', en: 'Member level' }, type: 'single_choice', required: true, validation: { options: ['gold', 'silver'] } },
    });
    expect(defined.statusCode).toBe(201);
    expect(defined.json).toMatchObject({ name: 'member_level', type: 'single_choice', required: true, inUse: false });
    expect(defined.json?.id).toBeUndefined();
    expect((await call({ method: 'POST', resource: '/fields', principal: manager, body: {} })).statusCode).toBe(403);
    const listed = await call({ method: 'GET', resource: '/fields', principal: look });
    expect(listed.json?.items.map((f: { name: string }) => f.name)).toEqual(['member_level']);

    const missing = await call({ method: 'POST', resource: '/contacts', principal: op, body: { email: 'f1@example.tw' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json?.errors).toEqual([{ field: 'custom.member_level', message: 'Required' }]);
    const wrong = await call({ method: 'POST', resource: '/contacts', principal: op, body: { email: 'f1@example.tw', custom: { member_level: 'bronze' } } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json?.errors[0]).toMatchObject({ field: 'custom.member_level', message: expect.stringContaining('gold') });

    const gold = await call({ method: 'POST', resource: '/contacts', principal: op, body: { email: 'f1@example.tw', custom: { member_level: 'gold' } } });
    expect(gold.statusCode).toBe(201);
    expect(gold.json?.custom).toEqual({ member_level: 'gold' });
    const silver = await call({ method: 'POST', resource: '/contacts', principal: op, body: { email: 'f2@example.tw', custom: { member_level: 'silver' } } });
    expect(silver.statusCode).toBe(201);

    const filtered = await call({ method: 'GET', resource: '/contacts', principal: look, query: { 'custom.member_level': 'gold' } });
    expect(filtered.statusCode).toBe(200);
    expect(filtered.json?.items.map((c: { id: string }) => c.id)).toEqual([gold.json?.id]);

    const typeChange = await call({ method: 'PATCH', resource: '/fields/{name}', pathParameters: { name: 'member_level' }, principal: admin, body: { type: 'text' } });
    expect(typeChange.statusCode).toBe(409);
    expect(typeChange.headers?.['Content-Type']).toBe('application/problem+json');
    expect(typeChange.json).toMatchObject({ status: 409, errors: [{ field: 'type', message: 'The field is in use' }] });
    expect(typeChange.json?.detail).toContain('Create a new field');
    const dropChoice = await call({ method: 'PATCH', resource: '/fields/{name}', pathParameters: { name: 'member_level' }, principal: admin, body: { validation: { options: ['gold'] } } });
    expect(dropChoice.statusCode).toBe(409);
    expect(dropChoice.json?.errors[0].field).toBe('validation.options');
    const relabel = await call({ method: 'PATCH', resource: '/fields/{name}', pathParameters: { name: 'member_level' }, principal: admin, body: { label: { en: 'Level' }, required: false } });
    expect(relabel.statusCode).toBe(200);
    expect(relabel.json).toMatchObject({ label: { en: 'Level' }, required: false, inUse: true });
  });

  it('adds and removes group members in bulk, reporting unknown ids, and filters combined with pagination', async () => {
    // Shares name departments that exist in the workspace.
    const south = await call({ method: 'POST', resource: '/departments', principal: admin, body: { name: '南區' } });
    expect(south.statusCode).toBe(201);
    const group = await call({ method: 'POST', resource: '/groups', principal: manager, body: { name: '高雄門市', sharedWith: [{ kind: 'department', id: south.json?.id, access: 'readWrite' }] } });
    expect(group.statusCode).toBe(201);
    expect(group.headers?.Location).toMatch(new RegExp(`/groups/${group.json?.id}$`));
    expect((await call({ method: 'POST', resource: '/groups', principal: op, body: { name: 'x' } })).statusCode).toBe(403);
    const category = await call({ method: 'POST', resource: '/categories', principal: admin, body: { name: '每週優惠' } });
    expect(category.statusCode).toBe(201);

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const created = await call({
        method: 'POST',
        resource: '/contacts',
        principal: op,
        body: { mobile: `0912-000-00${i}`, score: i * 10, custom: { member_level: 'gold' }, subscriptions: { [category.json?.id]: i < 4 ? 'subscribed' : 'unsubscribed' } },
      });
      expect(created.statusCode).toBe(201);
      ids.push(created.json?.id as string);
    }
    const added = await call({ method: 'POST', resource: '/groups/{id}/members', pathParameters: { id: group.json?.id }, principal: op, body: { contactIds: [...ids, 'NO-SUCH-CONTACT'] } });
    expect(added.statusCode).toBe(200);
    expect(added.json).toEqual({ changed: 6, unchanged: 0, notFound: ['NO-SUCH-CONTACT'] });
    const removed = await call({ method: 'POST', resource: '/groups/{id}/members/remove', pathParameters: { id: group.json?.id }, principal: op, body: { contactIds: [ids[0]] } });
    expect(removed.json).toEqual({ changed: 1, unchanged: 0, notFound: [] });
    expect((await call({ method: 'POST', resource: '/groups/{id}/members', pathParameters: { id: group.json?.id }, principal: look, body: { contactIds: [ids[0]] } })).statusCode).toBe(403);

    // In the group, subscribed, score ≥ 10: ids 1..3, one per page.
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call({
        method: 'GET',
        resource: '/contacts',
        principal: look,
        query: { group: group.json?.id, category: category.json?.id, scoreMin: '10', status: 'active', limit: '1', ...(cursor ? { cursor } : {}) },
      });
      expect(page.statusCode).toBe(200);
      seen.push(...(page.json?.items as { id: string }[]).map((c) => c.id));
      cursor = page.json?.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual([ids[1], ids[2], ids[3]].sort());

    const badFilter = await call({ method: 'GET', resource: '/contacts', principal: look, query: { group: 'nope', scoreMin: '5', scoreMax: '1' } });
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json?.errors.map((e: { field: string }) => e.field)).toEqual(['scoreMax']);
    const unknownGroup = await call({ method: 'GET', resource: '/contacts', principal: look, query: { group: 'nope' } });
    expect(unknownGroup.json?.errors).toEqual([{ field: 'group', message: expect.stringContaining('nope') }]);

    // A PATCH that unsubscribes and sets the score, as an operator would.
    const patched = await call({
      method: 'PATCH',
      resource: '/contacts/{id}',
      pathParameters: { id: ids[1] as string },
      principal: op,
      body: { score: 99, subscriptions: { [category.json?.id]: 'unsubscribed' } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json).toMatchObject({ score: 99, groups: [group.json?.id], subscriptions: { [category.json?.id]: 'unsubscribed' } });
    const negative = await call({ method: 'PATCH', resource: '/contacts/{id}', pathParameters: { id: ids[1] as string }, principal: op, body: { score: -1 } });
    expect(negative.json?.errors[0].field).toBe('score');

    const deleted = await call({ method: 'DELETE', resource: '/groups/{id}', pathParameters: { id: group.json?.id }, principal: manager });
    expect(deleted.statusCode).toBe(204);
    const after = await call({ method: 'GET', resource: '/contacts/{id}', pathParameters: { id: ids[2] as string }, principal: look });
    expect(after.json?.groups).toEqual([]);
    expect((await call({ method: 'GET', resource: '/groups', principal: look })).json?.items).toEqual([]);
  });
});

describe('committed sample events of the catalog routes', () => {
  it('defines a field, creates a group and adds members from the samples', async () => {
    const field = await call(loadSampleEvent('create-field.json'));
    expect(field.statusCode).toBe(201);
    expect(field.json).toMatchObject({ name: 'member_level', type: 'single_choice' });
    // The sample shares its group with dep_sales of ws_demo: that department must exist.
    await identityStoreFromEnv().createDepartment({ id: 'dep_sales', workspaceId: 'ws_demo', name: 'Sales', createdAt: new Date().toISOString() });
    const group = await call(loadSampleEvent('create-group.json'));
    expect(group.statusCode).toBe(201);
    const sample = loadSampleEvent('add-group-members.json');
    const unknownGroup = await call(sample);
    expect(unknownGroup.statusCode).toBe(404);
    const id = group.json?.id as string;
    const members = await call({ ...sample, path: `/groups/${id}/members`, pathParameters: { id } });
    expect(members.statusCode).toBe(200);
    expect(members.json).toEqual({ changed: 0, unchanged: 0, notFound: ['01JDEMO0000000000000000000'] });
  });
});
