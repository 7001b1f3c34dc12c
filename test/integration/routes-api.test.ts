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
    const author: Principal = { kind: 'user', id: sampleAuthor.principalId as string, workspaceId: sampleAuthor.workspaceId as string, role: 'operator' };
    expect((await call(withPrincipal(loadSampleEvent('get-contact.json'), author, id))).statusCode).toBe(200);
    expect((await call(loadSampleEvent('list-contacts.json'))).json?.items.map((c: { id: string }) => c.id)).toContain(id);
    expect((await call(withPrincipal(loadSampleEvent('update-contact.json'), author, id))).statusCode).toBe(200);
    expect((await call(withPrincipal(loadSampleEvent('delete-contact.json'), author, id))).statusCode).toBe(204);
    expect((await call(loadSampleEvent('get-contact.json'))).statusCode).toBe(404);
  });
});
