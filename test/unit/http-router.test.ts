import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Operation, OperationRequest, Principal } from '../../shared/api/operation';
import { routes, type OperationId } from '../../shared/api/routes';
import { roles, type Role } from '../../shared/auth/roles';
import { ConflictError, NotFoundError } from '../../shared/errors';
import { createRouter, type OperationMap } from '../../shared/http/router';
import { apiEvent, userPrincipal } from './http-fixtures';

const origin = 'https://console.pigeon.test';

/** Every operation answers 200 with what it saw, so tests can look at the parsed request. */
function fakeOperations(overrides: Partial<Record<OperationId, Operation>> = {}): OperationMap {
  const seen: Operation = async (request) => ({ status: 200, body: { seen: request } });
  const map = Object.fromEntries(routes.map((route) => [route.operationId, overrides[route.operationId] ?? seen]));
  return map as OperationMap;
}

function quietLogger() {
  return { error: vi.fn(), warn: vi.fn() };
}

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

describe('router: matching', () => {
  const router = createRouter(fakeOperations(), { allowedOrigin: origin, logger: quietLogger() });

  it('routes by method and resource and passes path parameters, query and headers', async () => {
    const result = await router(
      apiEvent({
        method: 'GET',
        resource: '/contacts/{id}',
        pathParameters: { id: 'abc' },
        query: { x: '1' },
        headers: { 'X-Custom': 'yes' },
        principal: userPrincipal('viewer'),
      }),
    );
    expect(result.statusCode).toBe(200);
    const seen = json(result.body).seen as OperationRequest;
    expect(seen.pathParameters).toEqual({ id: 'abc' });
    expect(seen.query).toEqual({ x: '1' });
    expect(seen.headers['x-custom']).toBe('yes');
    expect(seen.principal?.role).toBe('viewer');
    // The sample event came through execute-api's host: the stage belongs in the base URL.
    expect(seen.baseUrl).toBe('https://a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com/prod');
  });

  it('routes a {proxy+} resource by its path', async () => {
    const result = await router(
      apiEvent({ method: 'GET', resource: '/{proxy+}', path: '/contacts/01ABC', principal: userPrincipal('viewer') }),
    );
    expect(result.statusCode).toBe(200);
    expect((json(result.body).seen as OperationRequest).pathParameters).toMatchObject({ id: '01ABC' });
  });

  it('answers an unknown path with a 404 problem', async () => {
    const result = await router(apiEvent({ method: 'GET', resource: '/nope', principal: userPrincipal('admin') }));
    expect(result.statusCode).toBe(404);
    expect(result.headers?.['Content-Type']).toBe('application/problem+json');
    expect(json(result.body)).toMatchObject({ status: 404, title: 'Not found', type: 'urn:pigeon:problem:not-found' });
  });

  it('answers a known path with another method with 405 and Allow', async () => {
    const result = await router(apiEvent({ method: 'PUT', resource: '/contacts/{id}', pathParameters: { id: 'a' }, principal: userPrincipal('admin') }));
    expect(result.statusCode).toBe(405);
    expect(result.headers?.Allow).toBe('GET, PATCH, DELETE');
    expect(json(result.body)).toMatchObject({ status: 405 });
  });

  it('answers a CORS preflight for a known path without credentials', async () => {
    const result = await router(apiEvent({ method: 'OPTIONS', resource: '/contacts', principal: null }));
    expect(result.statusCode).toBe(204);
    expect(result.headers?.['Access-Control-Allow-Origin']).toBe(origin);
    expect(result.headers?.['Access-Control-Allow-Methods']).toBe('GET, POST, OPTIONS');
    expect(String(result.headers?.['Access-Control-Allow-Headers'])).toContain('If-Match');
  });
});

describe('router: access, every route with every role and with none', () => {
  const router = createRouter(fakeOperations(), { allowedOrigin: origin, logger: quietLogger() });
  const cases = routes.flatMap((route) => [
    ...roles.map((role) => ({ route, role: role as Role | 'none' })),
    { route, role: 'none' as const },
  ]);

  it.each(cases)('$route.method $route.path as $role', async ({ route, role }) => {
    const principal = role === 'none' ? null : userPrincipal(role);
    const result = await router(
      apiEvent({ method: route.method, resource: route.path, principal, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} }),
    );
    const rank = (r: Role) => roles.indexOf(r);
    const expected =
      route.access === 'public' ? 200 : role === 'none' ? 401 : rank(role) <= rank(route.access) ? 200 : 403;
    expect(result.statusCode).toBe(expected);
    expect(result.headers?.['Access-Control-Allow-Origin']).toBe(origin);
    if (expected === 403) {
      const problem = json(result.body);
      expect(problem.detail).toContain(`needs the ${route.access} role`);
      expect(problem.detail).toContain(`has ${role}`);
    }
    if (expected === 401) expect(json(result.body)).toMatchObject({ status: 401, title: 'Unauthorized' });
    if (expected === 200 && route.access === 'public') expect((json(result.body).seen as OperationRequest).principal).toBeUndefined();
  });

  it('rejects an authorizer context that is incomplete (401)', async () => {
    const event = apiEvent({ method: 'GET', resource: '/contacts', principal: null });
    const result = await router({ ...event, requestContext: { ...event.requestContext, authorizer: { principalId: 'x', role: 'admin' } } });
    expect(result.statusCode).toBe(401);
  });

  it('rejects a role it does not know (401, not a crash)', async () => {
    const event = apiEvent({ method: 'GET', resource: '/contacts', principal: null });
    const authorizer = { principalId: 'x', kind: 'user', workspaceId: 'w', role: 'superuser' };
    const result = await router({ ...event, requestContext: { ...event.requestContext, authorizer } });
    expect(result.statusCode).toBe(401);
  });
});

describe('router: bodies', () => {
  const router = createRouter(fakeOperations(), { allowedOrigin: origin, logger: quietLogger() });
  const operator = userPrincipal('operator');
  const post = (body: string | undefined, extra: Partial<Parameters<typeof apiEvent>[0]> = {}) =>
    router(apiEvent({ method: 'POST', resource: '/contacts', principal: operator, body, ...extra }));

  it('parses a JSON body', async () => {
    const result = await post('{"email":"a@b.co"}');
    expect((json(result.body).seen as OperationRequest).body).toEqual({ email: 'a@b.co' });
  });

  it('decodes a base64-encoded body', async () => {
    const result = await post(Buffer.from('{"name":"王小明"}').toString('base64'), { isBase64Encoded: true });
    expect((json(result.body).seen as OperationRequest).body).toEqual({ name: '王小明' });
  });

  it('answers bad JSON with a 400 naming the body', async () => {
    const result = await post('{"email": ');
    expect(result.statusCode).toBe(400);
    const problem = json(result.body);
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'body' })]);
  });

  it('answers a body over 1 MB with 413', async () => {
    const result = await post(JSON.stringify({ name: 'x'.repeat(1024 * 1024) }));
    expect(result.statusCode).toBe(413);
    expect(json(result.body)).toMatchObject({ status: 413, title: 'Payload too large' });
  });

  it('accepts a body of exactly 1 MB', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(1024 * 1024 - 11) });
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    expect((await post(body)).statusCode).toBe(200);
  });
});

describe('router: partner body hash', () => {
  const router = createRouter(fakeOperations(), { allowedOrigin: origin, logger: quietLogger() });
  const partner: Principal = { kind: 'apiKey', id: 'key-1', workspaceId: 'ws', role: 'operator' };
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const body = '{"email":"partner@shop.tw"}';
  const send = (headers: Record<string, string>, principal: Principal = partner, text: string | undefined = body) =>
    router(apiEvent({ method: 'POST', resource: '/contacts', principal, body: text, headers }));

  it('accepts a body matching X-Pigeon-Content-SHA256 (any header case)', async () => {
    expect((await send({ 'X-Pigeon-Content-SHA256': sha(body) })).statusCode).toBe(200);
    expect((await send({ 'x-pigeon-content-sha256': sha(body).toUpperCase() })).statusCode).toBe(200);
  });

  it('accepts an empty body hashed as ""', async () => {
    const result = await router(apiEvent({ method: 'GET', resource: '/contacts', principal: partner, headers: { 'X-Pigeon-Content-SHA256': sha('') } }));
    expect(result.statusCode).toBe(200);
  });

  it('refuses a body that differs from its declared hash (401)', async () => {
    const result = await send({ 'X-Pigeon-Content-SHA256': sha('{"email":"other@shop.tw"}') });
    expect(result.statusCode).toBe(401);
    expect(json(result.body).detail).toContain('X-Pigeon-Content-SHA256');
  });

  it('refuses a partner request without the header (401)', async () => {
    expect((await send({})).statusCode).toBe(401);
    expect((await send({ 'X-Pigeon-Content-SHA256': 'not-hex' })).statusCode).toBe(401);
  });

  it('does not ask console users for a body hash', async () => {
    expect((await send({}, userPrincipal('operator'))).statusCode).toBe(200);
  });
});

describe('router: responses and errors', () => {
  it('puts CORS headers on successes and problems alike', async () => {
    const router = createRouter(fakeOperations(), { allowedOrigin: origin, logger: quietLogger() });
    for (const event of [
      apiEvent({ method: 'GET', resource: '/health', principal: null }),
      apiEvent({ method: 'GET', resource: '/contacts', principal: null }),
      apiEvent({ method: 'GET', resource: '/missing', principal: null }),
    ]) {
      const result = await router(event);
      expect(result.headers?.['Access-Control-Allow-Origin']).toBe(origin);
      expect(result.headers?.Vary).toBe('Origin');
    }
  });

  it('sends 204 without a body and keeps operation headers', async () => {
    const router = createRouter(
      fakeOperations({ deleteContact: async () => ({ status: 204, headers: { 'X-Thing': '1' } }) }),
      { allowedOrigin: origin, logger: quietLogger() },
    );
    const result = await router(apiEvent({ method: 'DELETE', resource: '/contacts/{id}', pathParameters: { id: 'a' }, principal: userPrincipal('admin') }));
    expect(result.statusCode).toBe(204);
    expect(result.body).toBe('');
    expect(result.headers?.['X-Thing']).toBe('1');
    expect(result.headers?.['Content-Type']).toBeUndefined();
  });

  it('turns a ClientError into an RFC 9457 problem with its field errors', async () => {
    const router = createRouter(
      fakeOperations({
        createContact: async () => {
          throw new ConflictError('A contact with the e-mail a@b.co already exists', [{ field: 'email', message: 'Already used' }]);
        },
      }),
      { allowedOrigin: origin, logger: quietLogger() },
    );
    const event = apiEvent({ method: 'POST', resource: '/contacts', principal: userPrincipal('operator'), body: {} });
    const result = await router(event);
    expect(result.statusCode).toBe(409);
    expect(result.headers?.['Content-Type']).toBe('application/problem+json');
    expect(json(result.body)).toEqual({
      type: 'urn:pigeon:problem:conflict',
      title: 'Conflict',
      status: 409,
      detail: 'A contact with the e-mail a@b.co already exists',
      instance: '/contacts',
      requestId: event.requestContext.requestId,
      errors: [{ field: 'email', message: 'Already used' }],
    });
  });

  it('turns a zod error that escaped a use case into a 400 naming each field', async () => {
    const schema = z.strictObject({ email: z.email(), tags: z.array(z.string()) });
    const router = createRouter(
      fakeOperations({ createContact: async (request) => ({ status: 201, body: schema.parse(request.body) }) }),
      { allowedOrigin: origin, logger: quietLogger() },
    );
    const result = await router(
      apiEvent({ method: 'POST', resource: '/contacts', principal: userPrincipal('operator'), body: { email: 'nope', tags: ['a', 3], extra: 1 } }),
    );
    expect(result.statusCode).toBe(400);
    const fields = (json(result.body).errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['email', 'extra', 'tags.1']);
  });

  it('answers anything else with a 500 that leaks nothing, and logs it', async () => {
    const logger = quietLogger();
    const router = createRouter(
      fakeOperations({
        getContact: async () => {
          throw new Error('connect ECONNREFUSED 10.0.0.7:8000 secret-table-name');
        },
      }),
      { allowedOrigin: origin, logger },
    );
    const result = await router(apiEvent({ method: 'GET', resource: '/contacts/{id}', pathParameters: { id: 'x' }, principal: userPrincipal('viewer') }));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('ECONNREFUSED');
    expect(result.body).not.toContain('secret-table-name');
    expect(json(result.body)).toMatchObject({ status: 500, type: 'urn:pigeon:problem:internal' });
    expect(result.headers?.['Access-Control-Allow-Origin']).toBe(origin);
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('keeps a use case\'s 404 a 404', async () => {
    const router = createRouter(
      fakeOperations({
        getContact: async () => {
          throw new NotFoundError('No contact x in this workspace');
        },
      }),
      { allowedOrigin: origin, logger: quietLogger() },
    );
    const result = await router(apiEvent({ method: 'GET', resource: '/contacts/{id}', pathParameters: { id: 'x' }, principal: userPrincipal('viewer') }));
    expect(result.statusCode).toBe(404);
    expect(json(result.body).detail).toBe('No contact x in this workspace');
  });
});
