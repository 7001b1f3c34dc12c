/**
 * The first admin of a fresh deployment (`npm run create-admin`): a new workspace whose admin can
 * sign in at once, with a generated password that meets Cognito's strict policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../shared/errors';
import { createWorkspaceWithAdmin, generatePassword } from '../../shared/identity/bootstrap';
import { createIdentityOperations, identityDepsFromEnv, type IdentityDeps } from '../../shared/identity/operations';
import { startIdentityFixture, type IdentityFixture } from './identity-fixture';

describe('createWorkspaceWithAdmin', () => {
  let fixture: IdentityFixture;
  let deps: IdentityDeps;

  beforeAll(async () => {
    fixture = await startIdentityFixture();
    deps = identityDepsFromEnv();
  });
  afterAll(async () => fixture?.stop());

  it('creates a workspace whose admin signs in with the generated password', async () => {
    const result = await createWorkspaceWithAdmin(deps, { workspaceName: 'Acme 艾克米', adminEmail: 'Ada@Acme.example', adminName: 'Ada' });
    expect(result.workspace.name).toBe('Acme 艾克米');
    expect(result.admin).toMatchObject({ email: 'ada@acme.example', role: 'admin', status: 'active', workspaceId: result.workspace.id });
    const password = result.generatedPassword!;
    expect(password.length).toBeGreaterThanOrEqual(12);

    const ops = createIdentityOperations(deps);
    const signedIn = await ops.signIn({ body: { email: 'ada@acme.example', password }, pathParameters: {}, query: {}, headers: {}, requestId: 'r', baseUrl: 'http://api.test' });
    expect((signedIn.body as { user: { workspaceId: string; role: string } }).user).toMatchObject({ workspaceId: result.workspace.id, role: 'admin' });
  });

  it('refuses an e-mail already in use and names a missing field', async () => {
    await expect(createWorkspaceWithAdmin(deps, { workspaceName: 'Other', adminEmail: 'ada@acme.example', adminName: 'Ada 2' })).rejects.toBeInstanceOf(ConflictError);
    const error = await createWorkspaceWithAdmin(deps, { workspaceName: '', adminEmail: 'x@y.example', adminName: 'X' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.field)).toContain('workspaceName');
  });

  it('generates passwords with every character class Cognito asks for', () => {
    for (let i = 0; i < 20; i += 1) {
      const password = generatePassword();
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/\d/);
      expect(password).toMatch(/[^A-Za-z0-9]/);
    }
  });
});
