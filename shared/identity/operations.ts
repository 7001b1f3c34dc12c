/**
 * Identity use cases behind the routes in shared/api/routes.ts (signIn … revokeApiKey).
 * The router has checked the route's role already; every admin action here is scoped to the
 * principal's own workspace, so an id from another workspace reads as "not found".
 */
import { randomUUID } from 'node:crypto';
import type { Operation, OperationRequest, Principal } from '../api/operation';
import { DATE_HEADER, NONCE_HEADER, CONTENT_SHA256_HEADER, SIGNING_ALGORITHM } from '../auth/request-signing';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors';
import { systemClock, type Clock } from '../ports/clock';
import {
  accountProblem,
  MAX_FAILED_SIGN_INS,
  newApiKeyId,
  newApiKeySecret,
  newDepartmentId,
  publicApiKey,
  publicUser,
  type ApiKey,
  type Department,
  type StoredApiKey,
  type StoredUser,
  type User,
} from './model';
import { identityProviderFromEnv, identityStoreFromEnv, secretCipherFromEnv, usagePlansFromEnv } from './deps-from-env';
import type { IdentityProvider, IdentityStore, SecretCipher, UsagePlanRegistry } from './ports';
import {
  createApiKeySchema,
  createDepartmentSchema,
  createUserSchema,
  idParameterSchema,
  parseInput,
  signInSchema,
  updateUserSchema,
  type CreateUserInput,
} from './schemas';

export interface IdentityDeps {
  readonly store: IdentityStore;
  readonly provider: IdentityProvider;
  readonly cipher: SecretCipher;
  readonly usagePlans: UsagePlanRegistry;
  readonly clock: Clock;
}

export function identityDepsFromEnv(): IdentityDeps {
  return {
    store: identityStoreFromEnv(),
    provider: identityProviderFromEnv(),
    cipher: secretCipherFromEnv(),
    usagePlans: usagePlansFromEnv(),
    clock: systemClock,
  };
}

export type IdentityOperationId =
  | 'signIn'
  | 'getMe'
  | 'listDepartments'
  | 'createDepartment'
  | 'listUsers'
  | 'createUser'
  | 'updateUser'
  | 'listApiKeys'
  | 'createApiKey'
  | 'revokeApiKey';

function principalOf(request: OperationRequest): Principal {
  if (!request.principal) throw new UnauthorizedError('Sign in first');
  return request.principal;
}

function requireBody(body: unknown): unknown {
  if (body === undefined || body === null) throw new ValidationError('The request needs a JSON body', [{ field: 'body', message: 'Required' }]);
  return body;
}

async function requireDepartment(store: IdentityStore, workspaceId: string, departmentId: string | null | undefined): Promise<void> {
  if (departmentId && !(await store.getDepartment(workspaceId, departmentId))) {
    throw new ValidationError('Unknown department', [{ field: 'departmentId', message: 'No such department in this workspace' }]);
  }
}

/**
 * Creates a user in a workspace: claims the e-mail address, creates the sign-in identity, stores
 * the user; undoes the earlier steps when a later one fails (no transactions on the emulators).
 * Exported for the demo seed.
 */
export async function provisionUser(deps: IdentityDeps, workspaceId: string, input: CreateUserInput): Promise<User> {
  await requireDepartment(deps.store, workspaceId, input.departmentId);
  const claimId = randomUUID();
  if (!(await deps.store.claimEmail(input.email, claimId))) {
    throw new ConflictError('A user with this e-mail address exists', [{ field: 'email', message: 'Already in use' }]);
  }
  let identity: { id: string; passwordHash?: string };
  try {
    identity = await deps.provider.createUser({
      email: input.email,
      name: input.name,
      password: input.password,
      workspaceId,
      role: input.role,
      ...(input.departmentId ? { departmentId: input.departmentId } : {}),
    });
  } catch (error) {
    await deps.store.releaseEmail(input.email, claimId);
    throw error;
  }
  const at = deps.clock.now().toISOString();
  const user: StoredUser = {
    id: identity.id,
    workspaceId,
    email: input.email,
    name: input.name,
    role: input.role,
    status: input.status,
    ...(input.departmentId ? { departmentId: input.departmentId } : {}),
    ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
    createdAt: at,
    updatedAt: at,
    failedSignIns: 0,
    ...(identity.passwordHash ? { passwordHash: identity.passwordHash } : {}),
  };
  try {
    await deps.store.createUser(user);
  } catch (error) {
    await deps.provider.deleteUser(user).catch(() => {});
    await deps.store.releaseEmail(input.email, claimId);
    throw error;
  }
  return publicUser(user);
}

export async function createDepartmentIn(deps: IdentityDeps, workspaceId: string, input: unknown): Promise<Department> {
  const { name } = parseInput(createDepartmentSchema, requireBody(input));
  const existing = await deps.store.listDepartments(workspaceId);
  if (existing.some((d) => d.name.toLowerCase() === name.toLowerCase())) {
    throw new ConflictError('A department with this name exists', [{ field: 'name', message: 'Already in use' }]);
  }
  const department: Department = { id: newDepartmentId(), workspaceId, name, createdAt: deps.clock.now().toISOString() };
  await deps.store.createDepartment(department);
  return department;
}

/** What a partner needs to call the API with a new key; shown with the secret, once. */
function usageInstructions(key: ApiKey) {
  return {
    algorithm: SIGNING_ALGORITHM,
    headers: {
      Authorization: `${SIGNING_ALGORITHM} Credential=${key.id}, Signature=<hex HMAC-SHA256 of the string to sign, keyed with the secret>`,
      [DATE_HEADER]: '<now, ISO-8601 UTC; accepted within ±5 minutes>',
      [NONCE_HEADER]: '<16-64 characters [A-Za-z0-9._~-], never reused>',
      [CONTENT_SHA256_HEADER]: '<hex SHA-256 of the exact body bytes; of "" when there is no body>',
    },
    stringToSign: [SIGNING_ALGORITHM, '<date>', '<nonce>', '<METHOD>', '<path>', '<query: keys sorted, RFC 3986 k=v joined by &>', '<content sha256>'].join('\n'),
    rateLimit: { requestsPerSecond: key.rateLimit, burst: key.burstLimit },
    note: 'The secret is shown only in this response; Pigeon keeps it encrypted and cannot show it again.',
  };
}

export function createIdentityOperations(deps: IdentityDeps): Record<IdentityOperationId, Operation> {
  const { store, clock } = deps;
  const now = () => clock.now();
  // Every user and key belongs to a stored workspace; should its record be missing, the id is
  // still a usable label, and sign-in must not fail over a display name.
  const workspaceNameOf = async (workspaceId: string) => (await store.getWorkspace(workspaceId))?.name ?? workspaceId;

  return {
    async signIn(request) {
      const { email, password } = parseInput(signInSchema, requireBody(request.body));
      const user = await store.findUserByEmail(email);
      const failed = new UnauthorizedError('The e-mail address or password is incorrect');
      if (!user) {
        await deps.provider.rejectUnknown(email, password);
        throw failed;
      }
      const result = await deps.provider.signIn(user, password);
      if (!result.ok) {
        const count = await store.recordFailedSignIn(user.workspaceId, user.id);
        if (count >= MAX_FAILED_SIGN_INS && user.status === 'active') {
          await store.updateUser(user.workspaceId, user.id, { status: 'locked', updatedAt: now().toISOString() });
        }
        throw failed;
      }
      // The password was right: now it is safe to say why the account may not sign in.
      const problem = accountProblem(user, now());
      if (problem) throw new ForbiddenError(problem);
      if (user.failedSignIns > 0) await store.updateUser(user.workspaceId, user.id, { failedSignIns: 0, updatedAt: user.updatedAt });
      // The console shows the workspace by name; the token carries only its id.
      const workspaceName = await workspaceNameOf(user.workspaceId);
      return {
        status: 200,
        body: {
          idToken: result.idToken,
          expiresIn: result.expiresIn,
          user: {
            id: user.id,
            email: user.email,
            name: user.name,
            role: user.role,
            workspaceId: user.workspaceId,
            workspaceName,
            ...(user.departmentId ? { departmentId: user.departmentId } : {}),
          },
        },
      };
    },

    async getMe(request) {
      const p = principalOf(request);
      return {
        status: 200,
        body: {
          kind: p.kind,
          id: p.id,
          role: p.role,
          workspaceId: p.workspaceId,
          workspaceName: await workspaceNameOf(p.workspaceId),
          ...(p.departmentId ? { departmentId: p.departmentId } : {}),
          ...(p.email ? { email: p.email } : {}),
          ...(p.name ? { name: p.name } : {}),
        },
      };
    },

    async listDepartments(request) {
      const items = await store.listDepartments(principalOf(request).workspaceId);
      items.sort((a, b) => a.name.localeCompare(b.name));
      return { status: 200, body: { items } };
    },

    async createDepartment(request) {
      const department = await createDepartmentIn(deps, principalOf(request).workspaceId, request.body);
      return { status: 201, body: department, headers: { Location: `${request.baseUrl}/departments/${department.id}` } };
    },

    async listUsers(request) {
      const items = (await store.listUsers(principalOf(request).workspaceId)).map(publicUser);
      items.sort((a, b) => a.email.localeCompare(b.email));
      return { status: 200, body: { items } };
    },

    async createUser(request) {
      const input = parseInput(createUserSchema, requireBody(request.body));
      const user = await provisionUser(deps, principalOf(request).workspaceId, input);
      return { status: 201, body: user, headers: { Location: `${request.baseUrl}/users/${user.id}` } };
    },

    async updateUser(request) {
      const p = principalOf(request);
      const { id } = parseInput(idParameterSchema, request.pathParameters);
      const changes = parseInput(updateUserSchema, requireBody(request.body));
      if (p.kind === 'user' && id === p.id && (changes.role !== undefined || changes.status !== undefined)) {
        // An admin demoting or suspending themselves could leave the workspace without one.
        throw new ForbiddenError('You cannot change your own role or status');
      }
      await requireDepartment(store, p.workspaceId, changes.departmentId);
      const updated = await store.updateUser(p.workspaceId, id, {
        ...changes,
        // Re-activating an account (e.g. unlocking it) starts a fresh count of failed sign-ins.
        ...(changes.status === 'active' ? { failedSignIns: 0 } : {}),
        updatedAt: now().toISOString(),
      });
      if (!updated) throw new NotFoundError(`No user ${id} in this workspace`);
      if (changes.role !== undefined || changes.departmentId !== undefined || changes.name !== undefined) {
        await deps.provider.updateUser(updated);
      }
      return { status: 200, body: publicUser(updated) };
    },

    async listApiKeys(request) {
      const items = (await store.listApiKeys(principalOf(request).workspaceId)).map(publicApiKey);
      items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return { status: 200, body: { items } };
    },

    async createApiKey(request) {
      const p = principalOf(request);
      const input = parseInput(createApiKeySchema, requireBody(request.body));
      const id = newApiKeyId();
      const secret = newApiKeySecret();
      const secretCiphertext = await deps.cipher.encrypt(secret, { workspaceId: p.workspaceId, keyId: id });
      const usagePlan = await deps.usagePlans.register({
        workspaceId: p.workspaceId,
        keyId: id,
        name: input.name,
        rateLimit: input.rateLimit,
        burstLimit: input.burstLimit,
      });
      const key: StoredApiKey = {
        id,
        workspaceId: p.workspaceId,
        name: input.name,
        role: input.role,
        rateLimit: input.rateLimit,
        burstLimit: input.burstLimit,
        hint: secret.slice(-4),
        createdAt: now().toISOString(),
        createdBy: p.id,
        secretCiphertext,
        usagePlan,
      };
      try {
        await store.createApiKey(key);
      } catch (error) {
        await deps.usagePlans.remove(usagePlan).catch(() => {});
        throw error;
      }
      const shown = publicApiKey(key);
      return {
        status: 201,
        body: { ...shown, secret, usage: usageInstructions(shown) },
        headers: { Location: `${request.baseUrl}/api-keys/${id}`, 'Cache-Control': 'no-store' },
      };
    },

    async revokeApiKey(request) {
      const p = principalOf(request);
      const { id } = parseInput(idParameterSchema, request.pathParameters);
      const revoked = await store.revokeApiKey(p.workspaceId, id, now().toISOString());
      if (!revoked) throw new NotFoundError(`No API key ${id} in this workspace`);
      // Repeating a revoke repeats the clean-up, so a failed first attempt is finished later.
      await deps.usagePlans.remove(revoked.usagePlan);
      return { status: 204 };
    },
  };
}
