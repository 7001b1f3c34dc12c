/** The identity domain's ports; adapters live in shared/adapters/{aws,local}. */
import type { Role } from '../auth/roles';
import type { Department, StoredApiKey, StoredUser, UsagePlanRef, UserStatus, Workspace } from './model';

export interface UserChanges {
  readonly name?: string;
  readonly role?: Role;
  readonly status?: UserStatus;
  /** null removes the attribute. */
  readonly departmentId?: string | null;
  readonly expiresAt?: string | null;
  readonly failedSignIns?: number;
  readonly updatedAt: string;
}

/** Workspaces, departments, users and API keys. AWS and locally: DynamoDB (`identity` table). */
export interface IdentityStore {
  /** False when a workspace with that id already exists. */
  createWorkspace(workspace: Workspace): Promise<boolean>;
  getWorkspace(id: string): Promise<Workspace | undefined>;

  createDepartment(department: Department): Promise<void>;
  getDepartment(workspaceId: string, id: string): Promise<Department | undefined>;
  listDepartments(workspaceId: string): Promise<Department[]>;

  /** Reserves an e-mail address across all workspaces; false when someone holds it already. */
  claimEmail(email: string, claimId: string): Promise<boolean>;
  /** Releases a claim made with the same claimId (after a failed user creation). */
  releaseEmail(email: string, claimId: string): Promise<void>;
  /** Throws ConflictError when the user id exists. */
  createUser(user: StoredUser): Promise<void>;
  getUser(workspaceId: string, id: string): Promise<StoredUser | undefined>;
  findUserByEmail(email: string): Promise<StoredUser | undefined>;
  listUsers(workspaceId: string): Promise<StoredUser[]>;
  /** Undefined when the user does not exist. */
  updateUser(workspaceId: string, id: string, changes: UserChanges): Promise<StoredUser | undefined>;
  /** Adds one to the consecutive-failures counter and returns the new count. */
  recordFailedSignIn(workspaceId: string, id: string): Promise<number>;

  createApiKey(key: StoredApiKey): Promise<void>;
  getApiKey(id: string): Promise<StoredApiKey | undefined>;
  listApiKeys(workspaceId: string): Promise<StoredApiKey[]>;
  /** Sets revokedAt once; returns the key as stored afterwards, undefined when not in the workspace. */
  revokeApiKey(workspaceId: string, id: string, revokedAt: string): Promise<StoredApiKey | undefined>;
}

/** One-time request nonces. AWS and locally: DynamoDB (`idempotency` table). */
export interface NonceStore {
  /** True the first time (scope, nonce) is seen before `expiresAt`; false for a replay. */
  claim(scope: string, nonce: string, expiresAt: Date, now: Date): Promise<boolean>;
}

export interface CipherContext {
  readonly workspaceId: string;
  readonly keyId: string;
}

/** Encrypts API key secrets. AWS: KMS (EncryptionContext = context). Locally: AES-256-GCM. */
export interface SecretCipher {
  encrypt(plaintext: string, context: CipherContext): Promise<string>;
  /** Throws when the ciphertext or the context does not match. */
  decrypt(ciphertext: string, context: CipherContext): Promise<string>;
}

export interface NewCredentials {
  readonly email: string;
  readonly name: string;
  readonly password: string;
  readonly workspaceId: string;
  readonly role: Role;
  readonly departmentId?: string;
}

export type SignInResult = { readonly ok: true; readonly idToken: string; readonly expiresIn: number } | { readonly ok: false };

/** Passwords and ID tokens. AWS: Cognito. Locally: scrypt + the local JWT issuer. */
export interface IdentityProvider {
  /** Creates the sign-in identity; returns the user id (the token `sub`) and what to store. */
  createUser(input: NewCredentials): Promise<{ id: string; passwordHash?: string }>;
  /** Mirrors role and department into the provider (Cognito group and attributes). */
  updateUser(user: StoredUser): Promise<void>;
  /** Removes a half-created identity when storing the user failed. */
  deleteUser(user: { id: string; email: string }): Promise<void>;
  signIn(user: StoredUser, password: string): Promise<SignInResult>;
  /** For an e-mail no user has: spends what a wrong password would, so timing doesn't tell the two apart. */
  rejectUnknown(email: string, password: string): Promise<void>;
}

export interface UsagePlanRequest {
  readonly workspaceId: string;
  readonly keyId: string;
  readonly name: string;
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** A usage plan per API key. AWS: API Gateway. Locally: the gateway throttles by `rateLimit`. */
export interface UsagePlanRegistry {
  register(request: UsagePlanRequest): Promise<UsagePlanRef>;
  remove(ref: UsagePlanRef): Promise<void>;
}
