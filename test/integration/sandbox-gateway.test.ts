/**
 * The local gateway's API Gateway behaviour, with stand-in handlers (the real ones are covered
 * by sandbox.test.ts): event shape, policy evaluation, the usage-plan rate limit, failures.
 */
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningServer } from '../../infra/local/gateway';

let gateway: RunningServer;
const seen: APIGatewayProxyEvent[] = [];
const authorizerSeen: APIGatewayRequestAuthorizerEvent[] = [];

const policy = (effect: 'Allow' | 'Deny', context: Record<string, string> = {}, usageIdentifierKey?: string): APIGatewayAuthorizerResult & { usageIdentifierKey?: string } => ({
  principalId: 'key_1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Effect: effect, Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:local/local/*' }] },
  context: { kind: 'apiKey', workspaceId: 'ws_1', role: 'operator', ...context },
  ...(usageIdentifierKey ? { usageIdentifierKey } : {}),
});

beforeAll(async () => {
  gateway = await startGateway({
    stage: 'local',
    corsOrigin: 'http://console.test',
    jwks: async () => ({ keys: [] }),
    authorizer: async (event: APIGatewayRequestAuthorizerEvent) => {
      authorizerSeen.push(event);
      const auth = event.headers?.Authorization ?? '';
      if (auth === 'deny') return policy('Deny');
      if (auth === 'limited') return policy('Allow', { rateLimit: '2' }, 'usage-key-1');
      if (auth === 'broken') throw new Error('database down');
      if (auth !== 'ok') throw new Error('Unauthorized');
      return policy('Allow');
    },
    api: async (event: APIGatewayProxyEvent) => {
      seen.push(event);
      if (event.resource === '/users/{id}') throw new Error('handler crashed');
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) };
    },
  });
});

afterAll(() => gateway.stop());

describe('local gateway', () => {
  it('builds a REST proxy event with the authorizer context', async () => {
    const body = Buffer.from([0xff, 0x00, 0x10]);
    const response = await fetch(`${gateway.url}/contacts/c%201?tag=a&tag=b&q=x`, {
      method: 'PATCH',
      headers: { Authorization: 'ok', 'Content-Type': 'application/octet-stream', 'X-Custom': 'yes' },
      body,
    });
    expect(response.status).toBe(200);
    const event = seen.at(-1) as APIGatewayProxyEvent;
    expect(event).toMatchObject({
      resource: '/contacts/{id}',
      path: '/contacts/c%201',
      httpMethod: 'PATCH',
      pathParameters: { id: 'c 1' },
      queryStringParameters: { tag: 'b', q: 'x' },
      multiValueQueryStringParameters: { tag: ['a', 'b'], q: ['x'] },
      isBase64Encoded: true,
      body: body.toString('base64'),
      requestContext: {
        stage: 'local',
        resourcePath: '/contacts/{id}',
        identity: { sourceIp: '127.0.0.1' },
        authorizer: { principalId: 'key_1', kind: 'apiKey', workspaceId: 'ws_1', role: 'operator' },
      },
    });
    expect(event.headers['X-Custom']).toBe('yes');
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(authorizerSeen.at(-1)).toMatchObject({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:us-east-1:000000000000:local/local/PATCH/contacts/c%201' });
  });

  it('public routes skip the authorizer; JSON bodies stay text', async () => {
    const before = authorizerSeen.length;
    await fetch(`${gateway.url}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"a@b.tw"}' });
    expect(authorizerSeen.length).toBe(before);
    expect(seen.at(-1)).toMatchObject({ body: '{"email":"a@b.tw"}', isBase64Encoded: false, pathParameters: null, queryStringParameters: null });
    expect(seen.at(-1)?.requestContext.authorizer).toBeUndefined();
  });

  it('401 for Unauthorized, 403 for Deny, 500 when the authorizer fails, 502 when the handler fails', async () => {
    const status = async (auth: string, path = '/contacts') => {
      const response = await fetch(`${gateway.url}${path}`, { headers: { Authorization: auth } });
      expect(response.headers.get('content-type')).toBe(response.status === 200 ? 'application/json' : 'application/problem+json');
      return response.status;
    };
    expect(await status('nope')).toBe(401);
    expect(await status('deny')).toBe(403);
    expect(await status('broken')).toBe(500);
    expect(await status('ok', '/users')).toBe(200);
    expect(await fetch(`${gateway.url}/users/u1`, { method: 'PATCH', headers: { Authorization: 'ok' } }).then((r) => r.status)).toBe(502);
    expect(await fetch(`${gateway.url}/contacts`, { method: 'PUT', headers: { Authorization: 'ok' } }).then((r) => r.status)).toBe(404);
  });

  it('throttles per usage identifier at the rate the authorizer returned', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await fetch(`${gateway.url}/contacts`, { headers: { Authorization: 'limited' } })).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    // Other callers are not affected.
    expect((await fetch(`${gateway.url}/contacts`, { headers: { Authorization: 'ok' } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 600)); // refills at 2 per second
    expect((await fetch(`${gateway.url}/contacts`, { headers: { Authorization: 'limited' } })).status).toBe(200);
  });
});
