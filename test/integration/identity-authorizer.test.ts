/**
 * The authorizer handler end to end on the local runtime: dynalite as the identity store, the
 * local issuer's JWKS over HTTP, the local cipher. Events start from the samples in
 * events/authorizer/, so those stay real.
 */
import { readFileSync } from 'node:fs';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/authorizer/handler';
import type { Principal } from '../../shared/api/operation';
import { principalFromAuthorizerContext } from '../../shared/api/operation';
import { loadLocalIssuer } from '../../shared/auth/local-issuer';
import { signRequest } from '../../shared/auth/request-signing';
import { createIdentityOperations, identityDepsFromEnv, provisionUser, type IdentityDeps } from '../../shared/identity/operations';
import { lambdaContext, startIdentityFixture, type IdentityFixture } from './identity-fixture';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const sample = (name: string) => JSON.parse(readFileSync(`events/authorizer/${name}.json`, 'utf8')) as APIGatewayRequestAuthorizerEvent;

function bearerEvent(token: string): APIGatewayRequestAuthorizerEvent {
  const event = sample('bearer');
  return { ...event, headers: { ...event.headers, Authorization: `Bearer ${token}` }, multiValueHeaders: {} };
}

function signedEvent(input: { id: string; secret: string; method?: string; path?: string; query?: Record<string, string>; body?: string; date?: Date; nonce?: string }) {
  const event = sample('signed');
  const method = input.method ?? 'GET';
  const path = input.path ?? '/contacts';
  const query = input.query ?? { limit: '10', q: '王' };
  const headers = signRequest({ keyId: input.id, secret: input.secret, method, path, query, body: input.body, date: input.date, nonce: input.nonce });
  return {
    ...event,
    httpMethod: method,
    path,
    queryStringParameters: query,
    multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
    headers: { Host: 'api.example.com', ...headers },
    multiValueHeaders: {},
  } as APIGatewayRequestAuthorizerEvent;
}

const invoke = (event: APIGatewayRequestAuthorizerEvent) => handler(event, lambdaContext) as Promise<APIGatewayAuthorizerResult>;
const effectOf = (result: APIGatewayAuthorizerResult) => (result.policyDocument.Statement[0] as { Effect: string }).Effect;

describe('authorizer handler (local runtime)', () => {
  let fixture: IdentityFixture;
  let deps: IdentityDeps;
  let admin: Principal;
  let key: { id: string; secret: string };
  const password = 'correct horse battery';

  const claimsFor = (p: Principal, extra: Record<string, unknown> = {}) => ({
    sub: p.id,
    email: p.email,
    name: p.name,
    token_use: 'id',
    'custom:workspaceId': p.workspaceId,
    'cognito:groups': [p.role],
    iss: fixture.env.JWT_ISSUER,
    aud: fixture.env.JWT_AUDIENCE,
    ...extra,
  });

  beforeAll(async () => {
    fixture = await startIdentityFixture();
    deps = identityDepsFromEnv();
    await deps.store.createWorkspace({ id: 'ws_auth', name: 'Auth test', createdAt: new Date().toISOString() });
    const user = await provisionUser(deps, 'ws_auth', { email: 'admin@auth.test', name: '管理員', role: 'admin', password, status: 'active' });
    admin = { kind: 'user', id: user.id, workspaceId: 'ws_auth', role: 'admin', email: user.email, name: user.name };
    const ops = createIdentityOperations(deps);
    const created = await ops.createApiKey({
      principal: admin,
      body: { name: 'ERP sync', role: 'operator', rateLimit: 25 },
      pathParameters: {},
      query: {},
      headers: {},
      requestId: 'r1',
      baseUrl: 'http://api.test',
    });
    const body = created.body as { id: string; secret: string };
    key = { id: body.id, secret: body.secret };
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('allows a valid ID token from sign-in, with the principal in the context', async () => {
    const ops = createIdentityOperations(deps);
    const signIn = await ops.signIn({ body: { email: 'ADMIN@auth.test', password }, pathParameters: {}, query: {}, headers: {}, requestId: 'r', baseUrl: '' });
    const { idToken } = signIn.body as { idToken: string };
    const result = await invoke(bearerEvent(idToken));
    expect(effectOf(result)).toBe('Allow');
    expect(result.principalId).toBe(admin.id);
    expect(result.policyDocument.Statement[0]).toMatchObject({ Resource: sample('bearer').methodArn, Action: 'execute-api:Invoke' });
    expect(result.context).toEqual({ kind: 'user', workspaceId: 'ws_auth', role: 'admin', email: 'admin@auth.test', name: '管理員' });
    expect(result.usageIdentifierKey).toBeUndefined();
    // The API handler rebuilds the same principal from what API Gateway hands it.
    expect(principalFromAuthorizerContext({ ...result.context, principalId: result.principalId })).toEqual(admin);
  });

  it('takes the role from the store, not from the token', async () => {
    const viewer = await provisionUser(deps, 'ws_auth', { email: 'viewer@auth.test', name: 'Viewer', role: 'viewer', password, status: 'active' });
    const token = await fixture.issuer.issue(claimsFor({ ...admin, id: viewer.id, role: 'admin' }));
    const result = await invoke(bearerEvent(token));
    expect(effectOf(result)).toBe('Allow');
    expect(result.context?.role).toBe('viewer');
  });

  it('rejects an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    const token = await fixture.issuer.issue(claimsFor(admin, { iat: past - 3600, exp: past }));
    await expect(invoke(bearerEvent(token))).rejects.toThrow('Unauthorized');
  });

  it('rejects a token signed by another key, even with the same claims', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pigeon-foreign-'));
    try {
      const foreign = await loadLocalIssuer(dir);
      await expect(invoke(bearerEvent(await foreign.issue(claimsFor(admin))))).rejects.toThrow('Unauthorized');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects tokens for another audience or issuer, access tokens, and unknown users', async () => {
    await expect(invoke(bearerEvent(await fixture.issuer.issue(claimsFor(admin, { aud: 'someone-else' }))))).rejects.toThrow('Unauthorized');
    await expect(invoke(bearerEvent(await fixture.issuer.issue(claimsFor(admin, { iss: 'http://evil.test' }))))).rejects.toThrow('Unauthorized');
    await expect(invoke(bearerEvent(await fixture.issuer.issue(claimsFor(admin, { token_use: 'access' }))))).rejects.toThrow('Unauthorized');
    await expect(invoke(bearerEvent(await fixture.issuer.issue(claimsFor({ ...admin, id: 'no-such-user' }))))).rejects.toThrow('Unauthorized');
  });

  it('rejects a request without credentials or with a garbled token', async () => {
    const event = sample('bearer');
    await expect(invoke({ ...event, headers: { Host: 'x' } })).rejects.toThrow('Unauthorized');
    await expect(invoke(bearerEvent('not-a-jwt'))).rejects.toThrow('Unauthorized');
  });

  it('denies (403) a suspended user with a valid token, and allows again once reactivated', async () => {
    const user = await provisionUser(deps, 'ws_auth', { email: 'op@auth.test', name: 'Operator', role: 'operator', password, status: 'active' });
    const token = await fixture.issuer.issue(claimsFor({ ...admin, id: user.id, role: 'operator' }));
    expect(effectOf(await invoke(bearerEvent(token)))).toBe('Allow');
    await deps.store.updateUser('ws_auth', user.id, { status: 'suspended', updatedAt: new Date().toISOString() });
    const denied = await invoke(bearerEvent(token));
    expect(effectOf(denied)).toBe('Deny');
    expect(denied.principalId).toBe(user.id);
    await deps.store.updateUser('ws_auth', user.id, { status: 'active', expiresAt: new Date(Date.now() - 1000).toISOString(), updatedAt: 'x' });
    expect(effectOf(await invoke(bearerEvent(token)))).toBe('Deny'); // expired account
    await deps.store.updateUser('ws_auth', user.id, { expiresAt: null, updatedAt: 'y' });
    expect(effectOf(await invoke(bearerEvent(token)))).toBe('Allow');
  });

  it('allows a validly signed partner request, with the usage key and rate limit', async () => {
    const result = await invoke(signedEvent(key));
    expect(effectOf(result)).toBe('Allow');
    expect(result.principalId).toBe(key.id);
    expect(result.context).toEqual({ kind: 'apiKey', workspaceId: 'ws_auth', role: 'operator', name: 'ERP sync', rateLimit: '25' });
    const stored = await deps.store.getApiKey(key.id);
    expect(result.usageIdentifierKey).toBe(stored?.usagePlan.usageKey);
    expect(result.usageIdentifierKey).toBeTruthy();
  });

  it('rejects a replayed nonce', async () => {
    const event = signedEvent({ ...key, nonce: 'replay-nonce-0123456789' });
    expect(effectOf(await invoke(event))).toBe('Allow');
    await expect(invoke(event)).rejects.toThrow('Unauthorized');
  });

  it('rejects a tampered query or path, a wrong secret, an unknown key and an old date', async () => {
    const tamperedQuery = signedEvent(key);
    tamperedQuery.queryStringParameters = { limit: '100', q: '王' };
    tamperedQuery.multiValueQueryStringParameters = { limit: ['100'], q: ['王'] };
    await expect(invoke(tamperedQuery)).rejects.toThrow('Unauthorized');
    await expect(invoke({ ...signedEvent(key), path: '/contacts/01JX' })).rejects.toThrow('Unauthorized');
    await expect(invoke(signedEvent({ ...key, secret: `${key.secret}x` }))).rejects.toThrow('Unauthorized');
    await expect(invoke(signedEvent({ id: 'key_000000000000000000000000', secret: key.secret }))).rejects.toThrow('Unauthorized');
    await expect(invoke(signedEvent({ ...key, date: new Date(Date.now() - 6 * 60_000) }))).rejects.toThrow('Unauthorized');
  });

  it('rejects a revoked key', async () => {
    const ops = createIdentityOperations(deps);
    const created = await ops.createApiKey({ principal: admin, body: { name: 'Shop' }, pathParameters: {}, query: {}, headers: {}, requestId: 'r', baseUrl: '' });
    const other = created.body as { id: string; secret: string };
    expect(effectOf(await invoke(signedEvent(other)))).toBe('Allow');
    const revoked = await ops.revokeApiKey({ principal: admin, pathParameters: { id: other.id }, body: undefined, query: {}, headers: {}, requestId: 'r', baseUrl: '' });
    expect(revoked.status).toBe(204);
    await expect(invoke(signedEvent(other))).rejects.toThrow('Unauthorized');
  });
  it('never writes a token, signature or secret to the logs', async () => {
    const written: string[] = [];
    const capture = (chunk: unknown) => (written.push(String(chunk)), true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      const token = await fixture.issuer.issue(claimsFor(admin, { exp: Math.floor(Date.now() / 1000) - 60 }));
      await invoke(bearerEvent(token)).catch(() => {});
      const event = signedEvent({ ...key, secret: `${key.secret}x` });
      await invoke(event).catch(() => {});
      const allowed = signedEvent(key);
      await invoke(allowed);
      const text = written.join('');
      expect(text).toContain('Unauthorized'); // the log lines were captured
      for (const secret of [token, token.split('.')[2]!, key.secret, event.headers!.Authorization!, allowed.headers!.Authorization!.split('Signature=')[1]!]) {
        expect(text).not.toContain(secret);
      }
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
