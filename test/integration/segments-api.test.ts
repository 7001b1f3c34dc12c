/**
 * The segment routes through the API handler (router, roles, problems) against dynalite:
 * create, read, change, delete, preview with a sample, count, and the 400s that name the path.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localCredentials, localRegion, startDynalite, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import { apiEvent, lambdaContext, userPrincipal, type EventOptions } from '../unit/http-fixtures';

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyResult>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let dynamo: RunningDynamo;
let handler: Handler;
const saved = { ...process.env };

beforeAll(async () => {
  dynamo = await startDynalite();
  const tables = await createTables(dynamo.endpoint, `seg${Date.now()}`);
  Object.assign(process.env, tables, {
    PIGEON_RUNTIME: 'local',
    PIGEON_STAGE: 'test',
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    CONSOLE_ORIGIN: 'http://127.0.0.1:5173',
    LOCAL_KEYS_DIR: mkdtempSync(join(tmpdir(), 'pigeon-keys-')),
    JWT_ISSUER: 'http://127.0.0.1/local-issuer',
    JWT_AUDIENCE: 'pigeon-console',
    JWKS_URL: 'http://127.0.0.1/.well-known/jwks.json',
    POWERTOOLS_SERVICE_NAME: 'pigeon-segments-test',
    POWERTOOLS_METRICS_NAMESPACE: 'PigeonTest',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  ({ handler } = (await import('../../functions/api/handler')) as { handler: Handler });
});

afterAll(async () => {
  await dynamo?.stop();
  process.env = saved;
});

const workspace = `ws-seg-${Date.now()}`;
const admin = userPrincipal('admin', workspace);
const operator = userPrincipal('operator', workspace);
const viewer = userPrincipal('viewer', workspace);

async function call(options: EventOptions) {
  const result = await handler(apiEvent(options), lambdaContext());
  return { status: result.statusCode, json: (result.body ? JSON.parse(result.body) : undefined) as Json };
}

describe('segment routes', () => {
  it('saves, previews, counts, changes and deletes a segment', async () => {
    expect((await call({ method: 'POST', resource: '/fields', principal: admin, body: { name: 'tier', label: { en: 'Tier' }, type: 'number' } })).status).toBe(201);
    for (const [i, tier] of [1, 2, 3, 4, 5].entries()) {
      const created = await call({ method: 'POST', resource: '/contacts', principal: admin, body: { email: `c${i}@seg.example`, name: `Contact ${i}`, custom: { tier }, score: tier * 10 } });
      expect(created.status).toBe(201);
    }
    const rules = { match: 'any', conditions: [{ field: 'custom.tier', op: 'gte', value: 4 }, { field: 'score', op: 'eq', value: 10 }] };

    const preview = await call({ method: 'POST', resource: '/segments/preview', principal: viewer, body: { rules } });
    expect(preview.status).toBe(200);
    expect(preview.json.count).toBe(3);
    expect(preview.json.sample.map((c: Json) => c.email).sort()).toEqual(['c0@seg.example', 'c3@seg.example', 'c4@seg.example']);
    expect(preview.json.sample[0].custom.tier).toEqual(expect.any(Number));

    expect((await call({ method: 'POST', resource: '/segments', principal: viewer, body: { name: 'x', rules } })).status).toBe(403);
    const created = await call({ method: 'POST', resource: '/segments', principal: operator, body: { name: 'Top tiers', rules } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'Top tiers', rules, createdBy: operator.id, version: 1 });
    const id = created.json.id as string;

    expect((await call({ method: 'GET', resource: '/segments', principal: viewer })).json.items.map((s: Json) => s.id)).toEqual([id]);
    expect((await call({ method: 'GET', resource: '/segments/{id}', pathParameters: { id }, principal: viewer })).json.name).toBe('Top tiers');
    const count = await call({ method: 'GET', resource: '/segments/{id}/count', pathParameters: { id }, principal: viewer });
    expect(count.json).toEqual({ count: 3, evaluatedAt: expect.any(String) });

    const changed = await call({
      method: 'PATCH',
      resource: '/segments/{id}',
      pathParameters: { id },
      principal: operator,
      body: { description: 'Tier 5 only', rules: { match: 'all', conditions: [{ field: 'custom.tier', op: 'eq', value: 5 }] } },
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ description: 'Tier 5 only', version: 2 });
    expect((await call({ method: 'GET', resource: '/segments/{id}/count', pathParameters: { id }, principal: viewer })).json.count).toBe(1);

    // A custom field deleted since: the count says which condition no longer holds.
    expect((await call({ method: 'DELETE', resource: '/fields/{name}', pathParameters: { name: 'tier' }, principal: admin })).status).toBe(204);
    const stale = await call({ method: 'GET', resource: '/segments/{id}/count', pathParameters: { id }, principal: viewer });
    expect(stale.status).toBe(400);
    expect(stale.json.errors).toEqual([{ field: 'rules.conditions.0.field', message: 'No custom field tier in this workspace' }]);

    expect((await call({ method: 'DELETE', resource: '/segments/{id}', pathParameters: { id }, principal: operator })).status).toBe(204);
    expect((await call({ method: 'GET', resource: '/segments/{id}', pathParameters: { id }, principal: viewer })).status).toBe(404);
  });

  it('answers 400 naming the offending path', async () => {
    const bad = await call({
      method: 'POST',
      resource: '/segments',
      principal: operator,
      body: { name: '', rules: { match: 'all', conditions: [{ field: 'status', op: 'eq', value: 'active' }, { field: 'score', op: 'between', value: [1] }] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([{ field: 'name', message: 'Must not be empty' }]);
    const rules = await call({
      method: 'POST',
      resource: '/segments/preview',
      principal: viewer,
      body: { rules: { match: 'all', conditions: [{ field: 'status', op: 'eq', value: 'active' }, { field: 'score', op: 'between', value: [1] }] } },
    });
    expect(rules.json.errors).toEqual([{ field: 'rules.conditions.1.value', message: 'Must be a list of two values: [from, to]' }]);
    expect((await call({ method: 'POST', resource: '/segments/preview', principal: viewer, body: {} })).json.errors).toEqual([{ field: 'rules', message: 'Required' }]);
  });
});
