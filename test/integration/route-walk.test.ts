/**
 * Every route of shared/api/routes.ts, walked through the sandbox's gateway with no credentials,
 * with a signed-in user of each role and with a partner key of each role: the whole chain
 * (authorizer → router → role check) as a client meets it, not a unit in isolation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../infra/local/sandbox';
import { routes, type RouteSpec } from '../../shared/api/routes';
import { roleAtLeast, roles, type Role } from '../../shared/auth/roles';
import { signRequest } from '../../shared/auth/request-signing';

const dataDir = mkdtempSync(join(tmpdir(), 'pigeon-walk-'));
let sandbox: Sandbox;
const tokens = new Map<Role, string>();
const keys = new Map<Role, { id: string; secret: string }>();

async function call(method: string, path: string, init: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const response = await fetch(`${sandbox.apiUrl}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...init.headers,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

async function signIn(email: string, password: string): Promise<string> {
  const result = await call('POST', '/auth/sign-in', { body: { email, password } });
  expect(result.status).toBe(200);
  return (result.body as { idToken: string }).idToken;
}

const concretePath = (route: RouteSpec) => route.path.replace(/\{[^}]+\}/g, 'does-not-exist');
const bodyFor = (route: RouteSpec) => (['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined);

function signed(key: { id: string; secret: string }, method: string, path: string, body?: string) {
  return signRequest({ keyId: key.id, secret: key.secret, method, path, ...(body ? { body } : {}) });
}

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir, seed: true, quiet: true });
  const admin = await signIn('admin@pigeon.local', 'pigeon-demo');
  tokens.set('admin', admin);
  for (const role of roles.filter((r) => r !== 'admin')) {
    const email = `${role}@walk.example`;
    const created = await call('POST', '/users', { token: admin, body: { email, name: `Walk ${role}`, role, password: 'walk-password-1' } });
    expect(created.status).toBe(201);
    tokens.set(role, await signIn(email, 'walk-password-1'));
  }
  for (const role of roles) {
    const created = await call('POST', '/api-keys', { token: admin, body: { name: `walk ${role}`, role, rateLimit: 1000 } });
    expect(created.status).toBe(201);
    const key = created.body as { id: string; secret: string };
    keys.set(role, { id: key.id, secret: key.secret });
  }
});

afterAll(async () => {
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('every route × every role, through the gateway', () => {
  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))('%s', async (_name, route) => {
    const path = concretePath(route);
    const anonymous = await call(route.method, path, { body: bodyFor(route) });
    if (route.access === 'public') {
      expect([401, 403]).not.toContain(anonymous.status);
    } else {
      expect(anonymous.status).toBe(401);
      expect(anonymous.type).toContain('application/problem+json');
    }
    for (const role of roles) {
      const result = await call(route.method, path, { token: tokens.get(role), body: bodyFor(route) });
      const allowed = route.access === 'public' || roleAtLeast(role, route.access);
      if (allowed) {
        expect([401, 403], `${role} should pass ${route.method} ${route.path}`).not.toContain(result.status);
        expect(result.status, `${role} on ${route.method} ${route.path}`).toBeLessThan(500);
      } else {
        expect(result.status, `${role} must not pass ${route.method} ${route.path}`).toBe(403);
        expect(String(result.body?.detail)).toContain(route.access);
      }
    }
  });
});

describe('partner keys', () => {
  it('an operator key creates a contact with a signed request; a viewer key may only read', async () => {
    const body = JSON.stringify({ email: 'partner.made@example.com', name: 'Partner Made' });
    const created = await call('POST', '/contacts', { headers: { 'content-type': 'application/json', ...signed(keys.get('operator')!, 'POST', '/contacts', body) }, body: JSON.parse(body) });
    expect(created.status).toBe(201);

    const denied = await call('POST', '/contacts', { headers: signed(keys.get('viewer')!, 'POST', '/contacts', body), body: JSON.parse(body) });
    expect(denied.status).toBe(403);
    const listed = await call('GET', '/contacts', { headers: signed(keys.get('viewer')!, 'GET', '/contacts') });
    expect(listed.status).toBe(200);
  });

  it('refuses a body other than the one signed, a replayed request and a revoked key', async () => {
    const key = keys.get('manager')!;
    const signedBody = JSON.stringify({ email: 'signed@example.com' });
    const swapped = await call('POST', '/contacts', { headers: signed(key, 'POST', '/contacts', signedBody), body: { email: 'swapped@example.com' } });
    expect(swapped.status).toBe(401);

    const headers = signed(key, 'GET', '/contacts');
    expect((await call('GET', '/contacts', { headers })).status).toBe(200);
    expect((await call('GET', '/contacts', { headers })).status).toBe(401);

    const revoked = await call('DELETE', `/api-keys/${key.id}`, { token: tokens.get('admin') });
    expect(revoked.status).toBe(204);
    expect((await call('GET', '/contacts', { headers: signed(key, 'GET', '/contacts') })).status).toBe(401);
  });
});
