/**
 * A new workspace with its first admin: how a fresh AWS deployment gets its first user
 * (`npm run create-admin`), since every other user is created by an admin through the API.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConflictError } from '../errors';
import { newWorkspaceId, type User, type Workspace } from './model';
import { createDepartmentIn, provisionUser, type IdentityDeps } from './operations';
import { parseInput } from './schemas';

const bootstrapSchema = z.strictObject({
  workspaceName: z.string({ error: 'Required' }).trim().min(1, { error: 'Must not be empty' }).max(100),
  adminEmail: z.string({ error: 'Required' }),
  adminName: z.string({ error: 'Required' }),
  /** Absent: a strong password is generated and returned once. */
  password: z.string().optional(),
});

export interface BootstrapResult {
  readonly workspace: Workspace;
  readonly admin: User;
  /** Returned only when it was generated here; shown once, never stored in clear. */
  readonly generatedPassword?: string;
}

/** 24 random characters plus one of each class, so it meets Cognito's strictest policy. */
export function generatePassword(): string {
  return `${randomBytes(18).toString('base64url')}aA7!`;
}

export async function createWorkspaceWithAdmin(deps: IdentityDeps, input: unknown): Promise<BootstrapResult> {
  const parsed = parseInput(bootstrapSchema, input);
  const password = parsed.password ?? generatePassword();
  if (await deps.store.findUserByEmail(parsed.adminEmail.trim().toLowerCase())) {
    throw new ConflictError('A user with this e-mail address exists', [{ field: 'adminEmail', message: 'Already in use' }]);
  }
  const workspace: Workspace = { id: newWorkspaceId(), name: parsed.workspaceName, createdAt: deps.clock.now().toISOString() };
  await deps.store.createWorkspace(workspace);
  const department = await createDepartmentIn(deps, workspace.id, { name: 'Headquarters' });
  const admin = await provisionUser(deps, workspace.id, {
    email: parsed.adminEmail.trim().toLowerCase(),
    name: parsed.adminName,
    role: 'admin',
    password,
    status: 'active',
    departmentId: department.id,
  });
  return { workspace, admin, ...(parsed.password ? {} : { generatedPassword: password }) };
}
