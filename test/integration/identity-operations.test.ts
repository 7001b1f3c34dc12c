/**
 * The identity use cases on the local runtime (dynalite, local provider, local cipher): what an
 * admin and a signing-in user see, including lockout, account states, workspace scoping and the
 * API key secret shown once. Also the demo seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationRequest, Principal } from '../../shared/api/operation';
import { jwtVerifierFromEnv } from '../../shared/auth/jwt';
import { listContacts } from '../../shared/contacts/contacts';
import { contactDepsFromEnv } from '../../shared/contacts/operations';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../shared/errors';
import { DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, seedDemoWorkspace } from '../../shared/identity/demo-seed';
import { createIdentityOperations, identityDepsFromEnv, type IdentityDeps } from '../../shared/identity/operations';
import { startIdentityFixture, type IdentityFixture } from './identity-fixture';

const request = (principal: Principal | undefined, body?: unknown, pathParameters: Record<string, string> = {}): OperationRequest => ({
  ...(principal ? { principal } : {}),
  body,
  pathParameters,
  query: {},
  headers: {},
  requestId: 'req-1',
  baseUrl: 'http://api.test',
});

async function rejection(promise: Promise<unknown>): Promise<Error & { errors?: readonly { field: string }[] }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('identity operations (local runtime)', () => {
  let fixture: IdentityFixture;
  let deps: IdentityDeps;
  let ops: ReturnType<typeof createIdentityOperations>;
  const adminA: Principal = { kind: 'user', id: 'admin-a', workspaceId: 'ws_a', role: 'admin' };
  const adminB: Principal = { kind: 'user', id: 'admin-b', workspaceId: 'ws_b', role: 'admin' };
  const password = 'a-good-password';
  const signIn = (email: string, pw = password) => ops.signIn(request(undefined, { email, password: pw }));

  beforeAll(async () => {
    fixture = await startIdentityFixture();
    deps = identityDepsFromEnv();
    ops = createIdentityOperations(deps);
    // Sign-in and /me name the caller's workspace.
    await deps.store.createWorkspace({ id: 'ws_a', name: 'Workspace A 甲', createdAt: new Date().toISOString() });
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('creates departments in the admin\'s workspace and refuses a duplicate name', async () => {
    const created = await ops.createDepartment(request(adminA, { name: 'Marketing' }));
    expect(created.status).toBe(201);
    await ops.createDepartment(request(adminB, { name: 'Sales' }));
    const error = await rejection(ops.createDepartment(request(adminA, { name: 'marketing' })));
    expect(error).toBeInstanceOf(ConflictError);
    const listed = await ops.listDepartments(request({ ...adminA, role: 'viewer' }));
    expect((listed.body as { items: { name: string }[] }).items.map((d) => d.name)).toEqual(['Marketing']);
  });

  it('creates a user who can sign in, and never shows the password hash', async () => {
    const departments = (await ops.listDepartments(request(adminA))).body as { items: { id: string }[] };
    const created = await ops.createUser(
      request(adminA, { email: 'Mei.Chen@Example.com', name: '陳美玲', role: 'operator', password, departmentId: departments.items[0]!.id }),
    );
    expect(created.status).toBe(201);
    const user = created.body as Record<string, unknown>;
    expect(created.headers?.Location).toBe(`http://api.test/users/${user.id}`);
    expect(user).toMatchObject({ email: 'mei.chen@example.com', role: 'operator', status: 'active', workspaceId: 'ws_a' });
    expect(user).not.toHaveProperty('passwordHash');
    expect(user).not.toHaveProperty('failedSignIns');

    const result = await signIn('mei.chen@example.com');
    const body = result.body as { idToken: string; expiresIn: number; user: Record<string, unknown> };
    expect(body.user).toEqual({ id: user.id, email: 'mei.chen@example.com', name: '陳美玲', role: 'operator', workspaceId: 'ws_a', workspaceName: 'Workspace A 甲', departmentId: departments.items[0]!.id });
    expect(body.expiresIn).toBe(3600);
    // The token is what the authorizer will accept: same issuer, audience and Cognito claim names.
    const claims = await jwtVerifierFromEnv()(body.idToken);
    expect(claims).toMatchObject({ sub: user.id, workspaceId: 'ws_a', role: 'operator', email: 'mei.chen@example.com' });

    const listed = (await ops.listUsers(request({ ...adminA, role: 'manager' }))).body as { items: Record<string, unknown>[] };
    expect(listed.items.map((u) => u.email)).toEqual(['mei.chen@example.com']);
    expect(listed.items[0]).not.toHaveProperty('passwordHash');
    expect(((await ops.listUsers(request(adminB))).body as { items: unknown[] }).items).toEqual([]);
  });

  it('refuses a second user with the same e-mail, in any workspace and letter case', async () => {
    const error = await rejection(ops.createUser(request(adminB, { email: 'MEI.CHEN@example.com', name: 'Copy', role: 'viewer', password })));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.errors).toEqual([{ field: 'email', message: 'Already in use' }]);
  });

  it('names invalid fields, including a department from another workspace', async () => {
    const bDepartment = ((await ops.listDepartments(request(adminB))).body as { items: { id: string }[] }).items[0]!.id;
    const error = await rejection(ops.createUser(request(adminA, { email: 'x@example.com', name: 'X', role: 'viewer', password, departmentId: bDepartment })));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errors?.map((e) => e.field)).toEqual(['departmentId']);
    // The e-mail was not left claimed by the failed attempt.
    expect((await ops.createUser(request(adminA, { email: 'x@example.com', name: 'X', role: 'viewer', password }))).status).toBe(201);
    const missing = await rejection(ops.createUser(request(adminA, undefined)));
    expect(missing.errors?.map((e) => e.field)).toEqual(['body']);
  });

  it('answers 401 alike for an unknown e-mail and a wrong password', async () => {
    const unknown = await rejection(signIn('nobody@example.com'));
    const wrong = await rejection(signIn('mei.chen@example.com', 'wrong-password'));
    expect(unknown).toBeInstanceOf(UnauthorizedError);
    expect(wrong).toBeInstanceOf(UnauthorizedError);
    expect(wrong.message).toBe(unknown.message);
  });

  it('spends a password check on an unknown e-mail too, so timing does not reveal who has an account', async () => {
    const checked: string[] = [];
    const provider = { ...deps.provider, rejectUnknown: async (email: string, pw: string) => {
      checked.push(`${email}:${pw}`);
      await deps.provider.rejectUnknown(email, pw);
    } };
    const watched = createIdentityOperations({ ...deps, provider });
    await rejection(watched.signIn(request(undefined, { email: 'nobody@example.com', password: 'guess-1234' })));
    expect(checked).toEqual(['nobody@example.com:guess-1234']);
  });

  it('locks an account after five consecutive failed sign-ins; an admin unlocks it', async () => {
    const created = (await ops.createUser(request(adminA, { email: 'lock@example.com', name: 'Lock', role: 'viewer', password }))).body as { id: string };
    // Four failures, then a success, resets the count.
    for (let i = 0; i < 4; i++) await rejection(signIn('lock@example.com', 'wrong-password'));
    expect((await signIn('lock@example.com')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect(await rejection(signIn('lock@example.com', 'wrong-password'))).toBeInstanceOf(UnauthorizedError);
    const locked = await rejection(signIn('lock@example.com'));
    expect(locked).toBeInstanceOf(ForbiddenError);
    expect(locked.message).toMatch(/locked/);

    const unlocked = await ops.updateUser(request(adminA, { status: 'active' }, { id: created.id }));
    expect(unlocked.body).toMatchObject({ status: 'active' });
    expect((await signIn('lock@example.com')).status).toBe(200);
  });

  it('answers 403 with the reason for suspended, not-activated and expired accounts — only with the right password', async () => {
    const make = async (email: string, extra: Record<string, unknown>) =>
      ops.createUser(request(adminA, { email, name: email, role: 'viewer', password, ...extra }));
    await make('suspended@example.com', { status: 'suspended' });
    await make('new@example.com', { status: 'not_activated' });
    await make('expired@example.com', { expiresAt: '2020-01-01' });
    expect((await rejection(signIn('suspended@example.com'))).message).toMatch(/suspended/);
    expect((await rejection(signIn('new@example.com'))).message).toMatch(/not activated/);
    expect((await rejection(signIn('expired@example.com'))).message).toMatch(/expired/);
    expect(await rejection(signIn('suspended@example.com'))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(signIn('suspended@example.com', 'wrong-password'))).toBeInstanceOf(UnauthorizedError);
  });

  it('updates a user only within the admin\'s workspace, and not the admin\'s own role or status', async () => {
    const user = (await ops.createUser(request(adminA, { email: 'upd@example.com', name: 'Upd', role: 'viewer', password }))).body as { id: string };
    const updated = await ops.updateUser(request(adminA, { role: 'manager', expiresAt: '2030-06-30', name: 'Updated' }, { id: user.id }));
    expect(updated.body).toMatchObject({ role: 'manager', expiresAt: '2030-06-30T23:59:59.999Z', name: 'Updated' });
    const cleared = await ops.updateUser(request(adminA, { expiresAt: null }, { id: user.id }));
    expect(cleared.body).not.toHaveProperty('expiresAt');
    expect(await rejection(ops.updateUser(request(adminB, { role: 'admin' }, { id: user.id })))).toBeInstanceOf(NotFoundError);
    expect(await rejection(ops.updateUser(request({ ...adminA, id: user.id }, { role: 'admin' }, { id: user.id })))).toBeInstanceOf(ForbiddenError);
  });

  it('creates an API key whose secret is shown once and kept only encrypted', async () => {
    const created = await ops.createApiKey(request(adminA, { name: 'ERP', role: 'operator', rateLimit: 5, burstLimit: 10 }));
    expect(created.status).toBe(201);
    expect(created.headers?.['Cache-Control']).toBe('no-store');
    const key = created.body as { id: string; secret: string; hint: string; usage: { stringToSign: string } };
    expect(key.secret).toMatch(/^pgs_[A-Za-z0-9_-]{43}$/);
    expect(key.hint).toBe(key.secret.slice(-4));
    expect(key.usage.stringToSign.split('\n')[0]).toBe('PIGEON-HMAC-SHA256');

    const listed = (await ops.listApiKeys(request(adminA))).body as { items: Record<string, unknown>[] };
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ id: key.id, name: 'ERP', role: 'operator', rateLimit: 5, burstLimit: 10, hint: key.hint });
    expect(JSON.stringify(listed)).not.toContain(key.secret);
    expect(((await ops.listApiKeys(request(adminB))).body as { items: unknown[] }).items).toEqual([]);

    const stored = await deps.store.getApiKey(key.id);
    expect(stored?.secretCiphertext).toBeTruthy();
    expect(stored?.secretCiphertext).not.toContain(key.secret.slice(4, 20));
    expect(await deps.cipher.decrypt(stored!.secretCiphertext, { workspaceId: 'ws_a', keyId: key.id })).toBe(key.secret);
    // Bound to its record: the same ciphertext under another key id does not decrypt.
    await expect(deps.cipher.decrypt(stored!.secretCiphertext, { workspaceId: 'ws_a', keyId: 'key_other' })).rejects.toThrow();
  });

  it('revokes a key of the admin\'s own workspace only', async () => {
    const key = (await ops.createApiKey(request(adminA, { name: 'Shop' }))).body as { id: string };
    expect(await rejection(ops.revokeApiKey(request(adminB, undefined, { id: key.id })))).toBeInstanceOf(NotFoundError);
    expect((await ops.revokeApiKey(request(adminA, undefined, { id: key.id }))).status).toBe(204);
    expect((await ops.revokeApiKey(request(adminA, undefined, { id: key.id }))).status).toBe(204);
    const listed = (await ops.listApiKeys(request(adminA))).body as { items: { id: string; revokedAt?: string }[] };
    expect(listed.items.find((k) => k.id === key.id)?.revokedAt).toBeTruthy();
  });

  it('returns the caller as /me', async () => {
    const me = await ops.getMe(request({ kind: 'apiKey', id: 'key_1', workspaceId: 'ws_a', role: 'operator', name: 'ERP' }));
    expect(me.body).toEqual({ kind: 'apiKey', id: 'key_1', role: 'operator', workspaceId: 'ws_a', workspaceName: 'Workspace A 甲', name: 'ERP' });
  });

  it('seeds the demo workspace once: an admin who can sign in, Marketing, five contacts', async () => {
    const first = await seedDemoWorkspace();
    expect(first).toMatchObject({ adminEmail: DEMO_ADMIN_EMAIL, adminPassword: DEMO_ADMIN_PASSWORD, created: true });
    const second = await seedDemoWorkspace();
    expect(second).toEqual({ ...first, created: false });

    const signedIn = (await signIn(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)).body as { user: { role: string; workspaceId: string; departmentId?: string } };
    expect(signedIn.user).toMatchObject({ role: 'admin', workspaceId: first.workspaceId, workspaceName: 'Pigeon Demo 信鴿示範' });
    const departments = (await ops.listDepartments(request({ ...adminA, workspaceId: first.workspaceId }))).body as { items: { id: string; name: string }[] };
    expect(departments.items.map((d) => d.name)).toEqual(['Marketing']);
    expect(signedIn.user.departmentId).toBe(departments.items[0]!.id);

    // A viewer of the demo department: the demo contacts are the Marketing department's.
    const viewer = { kind: 'user', id: 'x', workspaceId: first.workspaceId, role: 'viewer', departmentId: departments.items[0]!.id } as const;
    const contacts = await listContacts(contactDepsFromEnv(), viewer, {});
    expect(contacts.items.map((c) => c.name).sort()).toEqual(['Emily Carter', 'James Lee', '林志豪', '王小明', '陳美玲'].sort());
  });
});
