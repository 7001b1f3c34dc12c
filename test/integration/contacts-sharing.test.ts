/**
 * Department visibility and group sharing through the API handler (router → use cases → DynamoDB
 * adapters on dynalite), as two departments' operators, their managers, an admin and a partner key
 * meet it: what each lists, reads and changes; hidden contacts answer 404, not 403; pagination
 * stays whole with hidden contacts in between.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables, localCredentials, localRegion, startDynalite, type RunningDynamo } from '../../infra/local/emulators/dynamodb';
import type { Principal } from '../../shared/api/operation';
import { apiEvent, lambdaContext, type EventOptions } from '../unit/http-fixtures';

type Handler = (event: APIGatewayProxyEvent, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyResult>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let dynamo: RunningDynamo;
let handler: Handler;
const saved = { ...process.env };

beforeAll(async () => {
  dynamo = await startDynalite();
  const tables = await createTables(dynamo.endpoint, `share${Date.now()}`);
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
    POWERTOOLS_SERVICE_NAME: 'pigeon-sharing-test',
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

async function call(options: EventOptions): Promise<{ status: number; json: Json | undefined }> {
  // A partner key's request carries its body's hash (the authorizer checked the signature over it).
  const body = options.body === undefined ? '' : JSON.stringify(options.body);
  const signed: Record<string, string> = options.principal?.kind === 'apiKey' ? { 'X-Pigeon-Content-SHA256': createHash('sha256').update(body).digest('hex') } : {};
  const result = await handler(apiEvent({ ...options, headers: { ...options.headers, ...signed } }), lambdaContext());
  return { status: result.statusCode, json: result.body ? (JSON.parse(result.body) as Json) : undefined };
}

const ws = `ws-share-${Date.now()}`;
const person = (role: Principal['role'], id: string, departmentId?: string): Principal => ({
  kind: 'user',
  id,
  workspaceId: ws,
  role,
  ...(departmentId ? { departmentId } : {}),
});
const admin = person('admin', 'u_admin');
const partnerKey: Principal = { kind: 'apiKey', id: 'key_partner', workspaceId: ws, role: 'operator' };

const contact = (principal: Principal, id: string) => call({ method: 'GET', resource: '/contacts/{id}', pathParameters: { id }, principal });
const patch = (principal: Principal, id: string, body: unknown) => call({ method: 'PATCH', resource: '/contacts/{id}', pathParameters: { id }, principal, body });
const remove = (principal: Principal, id: string) => call({ method: 'DELETE', resource: '/contacts/{id}', pathParameters: { id }, principal });
const share = (principal: Principal, id: string, sharedWith: unknown) => call({ method: 'PUT', resource: '/groups/{id}/sharing', pathParameters: { id }, principal, body: { sharedWith } });
const addMembers = (principal: Principal, id: string, contactIds: string[]) =>
  call({ method: 'POST', resource: '/groups/{id}/members', pathParameters: { id }, principal, body: { contactIds } });

/** Every id the principal lists, following cursors `limit` at a time (and the page count). */
async function listAll(principal: Principal, query: Record<string, string> = {}, limit = 2): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await call({ method: 'GET', resource: '/contacts', principal, query: { ...query, limit: String(limit), ...(cursor ? { cursor } : {}) } });
    expect(page.status).toBe(200);
    expect(page.json?.items.length).toBeLessThanOrEqual(limit);
    ids.push(...(page.json?.items as { id: string }[]).map((c) => c.id));
    cursor = page.json?.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  expect(cursor).toBeUndefined();
  return { ids, pages };
}

describe('contacts shared between departments', () => {
  let north: string;
  let south: string;
  let opNorth: Principal;
  let opSouth: Principal;
  let managerNorth: Principal;
  let managerSouth: Principal;
  let viewerSouth: Principal;
  const northIds: string[] = [];
  const southIds: string[] = [];
  let common: string;
  let group: string;

  beforeAll(async () => {
    const made = await Promise.all(['北區業務', '南區業務'].map((name) => call({ method: 'POST', resource: '/departments', principal: admin, body: { name } })));
    for (const m of made) expect(m.status).toBe(201);
    north = made[0]?.json?.id as string;
    south = made[1]?.json?.id as string;
    opNorth = person('operator', 'u_op_north', north);
    opSouth = person('operator', 'u_op_south', south);
    managerNorth = person('manager', 'u_mgr_north', north);
    managerSouth = person('manager', 'u_mgr_south', south);
    viewerSouth = person('viewer', 'u_view_south', south);
    // Interleaved, so every page of the other department's list has hidden contacts in between.
    for (let i = 0; i < 6; i++) {
      const n = await call({ method: 'POST', resource: '/contacts', principal: opNorth, body: { email: `north${i}@example.tw`, name: `North ${i}` } });
      const s = await call({ method: 'POST', resource: '/contacts', principal: opSouth, body: { email: `south${i}@example.tw`, name: `South ${i}` } });
      expect([n.status, s.status]).toEqual([201, 201]);
      expect([n.json?.departmentId, s.json?.departmentId]).toEqual([north, south]);
      northIds.push(n.json?.id as string);
      southIds.push(s.json?.id as string);
    }
    // The admin has no department: this contact belongs to none (the workspace's common pool).
    const made0 = await call({ method: 'POST', resource: '/contacts', principal: admin, body: { email: 'common@example.tw', name: 'North Star 共用' } });
    expect(made0.json?.departmentId).toBeUndefined();
    common = made0.json?.id as string;
    const g = await call({ method: 'POST', resource: '/groups', principal: managerNorth, body: { name: '北區 VIP' } });
    expect(g.status).toBe(201);
    expect(g.json?.departmentId).toBe(north);
    group = g.json?.id as string;
    expect((await addMembers(opNorth, group, [northIds[0] as string, northIds[1] as string])).json).toEqual({ changed: 2, unchanged: 0, notFound: [] });
  });

  it('each operator lists its own department and the common pool, whole across cursors', async () => {
    const south = await listAll(opSouth);
    expect(south.ids.sort()).toEqual([...southIds, common].sort());
    expect(new Set(south.ids).size).toBe(south.ids.length);
    const north = await listAll(opNorth, {}, 3);
    expect(north.ids.sort()).toEqual([...northIds, common].sort());
    // A search skips hidden matches too: "north" matches the common contact and every North contact.
    expect((await listAll(opSouth, { q: 'north' }, 1)).ids).toEqual([common]);
  });

  it('answers 404 (not 403) for a contact the caller cannot see, whatever it asks', async () => {
    const hidden = northIds[2] as string;
    for (const result of [await contact(opSouth, hidden), await patch(opSouth, hidden, { title: 'x' }), await remove(opSouth, hidden)]) {
      expect(result.status).toBe(404);
      expect(result.json?.detail).toBe(`No contact ${hidden} in this workspace`);
    }
    expect((await contact(opSouth, 'does-not-exist')).json?.detail).toBe('No contact does-not-exist in this workspace');
    // Membership of a contact one cannot see is reported like a missing one.
    const southGroup = await call({ method: 'POST', resource: '/groups', principal: managerSouth, body: { name: '南區 VIP' } });
    expect((await addMembers(opSouth, southGroup.json?.id, [hidden, southIds[0] as string])).json).toEqual({ changed: 1, unchanged: 0, notFound: [hidden] });
    expect((await contact(admin, hidden)).json?.groups).toEqual([]);
  });

  it('a shared group shows its members read-only, then read-write; unshared ones stay hidden', async () => {
    const [shared, alsoShared, unshared] = northIds as [string, string, string];
    expect((await share(managerNorth, group, [{ kind: 'department', id: south, access: 'read' }])).status).toBe(200);

    expect((await contact(opSouth, shared)).status).toBe(200);
    expect((await contact(viewerSouth, shared)).status).toBe(200);
    expect((await listAll(opSouth, { group })).ids.sort()).toEqual([shared, alsoShared].sort());
    expect((await listAll(opSouth)).ids).toContain(shared);
    expect((await contact(opSouth, unshared)).status).toBe(404);

    const readOnly = await patch(opSouth, shared, { title: '經理' });
    expect(readOnly.status).toBe(403);
    expect(readOnly.json?.detail).toContain('read-only');
    expect((await remove(opSouth, shared)).status).toBe(403);
    // A read-only share cannot pull more contacts into what the group shows others.
    const pull = await addMembers(opSouth, group, [southIds[1] as string]);
    expect(pull.status).toBe(403);
    expect(pull.json?.detail).toContain('read-only');

    expect((await share(managerNorth, group, [{ kind: 'department', id: south, access: 'readWrite' }])).json?.sharedWith).toEqual([
      { kind: 'department', id: south, access: 'readWrite' },
    ]);
    const written = await patch(opSouth, shared, { title: '經理' });
    expect(written.status).toBe(200);
    expect(written.json).toMatchObject({ title: '經理', departmentId: north });
    expect((await patch(viewerSouth, shared, { title: 'x' })).status).toBe(403);
    expect((await remove(opSouth, alsoShared)).status).toBe(204);
    expect((await contact(opNorth, alsoShared)).status).toBe(404);

    // Sharing stops: the members are hidden again.
    expect((await share(managerNorth, group, [])).json?.sharedWith).toEqual([]);
    expect((await contact(opSouth, shared)).status).toBe(404);
    expect((await call({ method: 'GET', resource: '/groups', principal: opSouth })).json?.items.map((g: Json) => g.id)).not.toContain(group);
    expect((await call({ method: 'GET', resource: '/contacts', principal: opSouth, query: { group } })).status).toBe(400);
  });

  it('shares with one user, checks that shared departments and users exist, and lets only the owning manager or an admin share', async () => {
    const created = await call({
      method: 'POST',
      resource: '/users',
      principal: admin,
      body: { email: 'analyst@share.example', name: '分析師', role: 'viewer', password: 'analyst-password-1', departmentId: south },
    });
    expect(created.status).toBe(201);
    const analyst = person('viewer', created.json?.id as string, south);
    const target = northIds[3] as string;
    expect((await addMembers(opNorth, group, [target])).json?.changed).toBe(1);

    const bad = await share(managerNorth, group, [
      { kind: 'department', id: 'dep_nowhere', access: 'read' },
      { kind: 'user', id: analyst.id, access: 'read' },
      { kind: 'user', id: 'u_nobody', access: 'read' },
    ]);
    expect(bad.status).toBe(400);
    expect(bad.json?.errors.map((e: Json) => e.field)).toEqual(['sharedWith.0.id', 'sharedWith.2.id']);

    // The South manager cannot see the North group: 404. Once it can see it, still not its to share: 403.
    expect((await share(managerSouth, group, [])).status).toBe(404);
    expect((await share(managerNorth, group, [{ kind: 'user', id: analyst.id, access: 'read' }])).status).toBe(200);
    expect((await contact(analyst, target)).status).toBe(200);
    expect((await contact(viewerSouth, target)).status).toBe(404);
    expect((await share(managerNorth, group, [{ kind: 'user', id: analyst.id, access: 'read' }, { kind: 'department', id: south, access: 'read' }])).status).toBe(200);
    const notOwner = await share(managerSouth, group, []);
    expect(notOwner.status).toBe(403);
    expect(notOwner.json?.detail).toContain('another department');
    expect((await call({ method: 'PATCH', resource: '/groups/{id}', pathParameters: { id: group }, principal: managerSouth, body: { name: 'mine now' } })).status).toBe(403);
    expect((await call({ method: 'DELETE', resource: '/groups/{id}', pathParameters: { id: group }, principal: managerSouth })).status).toBe(403);
    expect((await share(opNorth, group, [])).status).toBe(403);
    expect((await share(admin, group, [{ kind: 'department', id: south, access: 'read' }])).status).toBe(200);
    expect((await contact(analyst, target)).status).toBe(200);
  });

  it('puts new contacts in the creator\'s department; only an admin picks another, which must exist', async () => {
    const elsewhere = await call({ method: 'POST', resource: '/contacts', principal: opSouth, body: { email: 'moved@example.tw', departmentId: north } });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json?.errors[0].field).toBe('departmentId');
    const own = await call({ method: 'POST', resource: '/contacts', principal: opSouth, body: { email: 'own@example.tw', departmentId: south } });
    expect(own.status).toBe(201);
    expect((await patch(opSouth, own.json?.id, { departmentId: north })).status).toBe(403);
    expect((await patch(opSouth, own.json?.id, { departmentId: null })).status).toBe(403);

    const unknown = await call({ method: 'POST', resource: '/contacts', principal: admin, body: { email: 'lost@example.tw', departmentId: 'dep_nowhere' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json?.errors).toEqual([{ field: 'departmentId', message: expect.stringContaining('dep_nowhere') }]);
    const placed = await call({ method: 'POST', resource: '/contacts', principal: admin, body: { email: 'placed@example.tw', departmentId: north } });
    expect(placed.json?.departmentId).toBe(north);
    expect((await contact(opSouth, placed.json?.id)).status).toBe(404);
    const moved = await patch(admin, placed.json?.id, { departmentId: south });
    expect(moved.json?.departmentId).toBe(south);
    expect((await contact(opSouth, placed.json?.id)).status).toBe(200);
  });

  it('lets department users read the common pool but not change it', async () => {
    expect((await contact(opSouth, common)).status).toBe(200);
    const refused = await patch(opSouth, common, { title: 'x' });
    expect(refused.status).toBe(403);
    expect(refused.json?.detail).toContain('no department');
    expect((await patch(admin, common, { title: '共用' })).status).toBe(200);
  });

  it('shows the admin and an API key the whole workspace', async () => {
    const everyone = await listAll(admin, {}, 5);
    const byKey = await listAll(partnerKey, {}, 5);
    expect(byKey.ids.sort()).toEqual(everyone.ids.sort());
    for (const id of [...southIds, ...northIds.filter((_, i) => i !== 1), common]) expect(everyone.ids).toContain(id);
    expect((await contact(partnerKey, northIds[5] as string)).status).toBe(200);
    expect((await patch(partnerKey, northIds[5] as string, { title: 'via API' })).status).toBe(200);
    const groups = (await call({ method: 'GET', resource: '/groups', principal: admin })).json?.items.map((g: Json) => g.id);
    expect(groups).toContain(group);
  });
});
