/**
 * Identity domain: workspaces, departments, users and partner API keys. Pure data and rules;
 * persistence and credentials go through the ports in ./ports.
 */
import { randomBytes } from 'node:crypto';
import type { Role } from '../auth/roles';

export const userStatuses = ['active', 'suspended', 'locked', 'not_activated'] as const;
export type UserStatus = (typeof userStatuses)[number];

/** Consecutive failed sign-ins after which an active account is locked. */
export const MAX_FAILED_SIGN_INS = 5;

export interface Workspace {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface Department {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface User {
  /** Cognito `sub` in AWS; a UUID locally. The ID token's `sub`. */
  readonly id: string;
  readonly workspaceId: string;
  /** Lower-cased; unique across all workspaces (it is the sign-in name). */
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly status: UserStatus;
  readonly departmentId?: string;
  /** ISO-8601 instant after which the account may no longer sign in or call the API. */
  readonly expiresAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A user as stored: with the sign-in bookkeeping the API never shows. */
export interface StoredUser extends User {
  readonly failedSignIns: number;
  /** Local identity provider only (scrypt); Cognito keeps its own. */
  readonly passwordHash?: string;
}

export interface ApiKey {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly role: Role;
  /** Steady requests per second and burst, enforced by the key's usage plan. */
  readonly rateLimit: number;
  readonly burstLimit: number;
  /** Last four characters of the secret, so people can tell keys apart. */
  readonly hint: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly revokedAt?: string;
}

export interface UsagePlanRef {
  /** The value API Gateway matches against the usage plan (`usageIdentifierKey`). */
  readonly usageKey: string;
  /** AWS only: the API Gateway API key and usage plan, for clean-up on revoke. */
  readonly apiGatewayKeyId?: string;
  readonly usagePlanId?: string;
}

export interface StoredApiKey extends ApiKey {
  /** The HMAC secret, encrypted by the SecretCipher with context {workspaceId, keyId}. */
  readonly secretCiphertext: string;
  readonly usagePlan: UsagePlanRef;
}

export const publicUser = ({ failedSignIns: _f, passwordHash: _p, ...user }: StoredUser): User => user;
export const publicApiKey = ({ secretCiphertext: _s, usagePlan: _u, ...key }: StoredApiKey): ApiKey => key;

/** Why an authenticated user may not proceed, or undefined when they may. */
export function accountProblem(user: Pick<User, 'status' | 'expiresAt'>, now: Date): string | undefined {
  switch (user.status) {
    case 'suspended':
      return 'This account is suspended.';
    case 'locked':
      return 'This account is locked after too many failed sign-ins; an administrator can unlock it.';
    case 'not_activated':
      return 'This account is not activated yet.';
    case 'active':
      break;
  }
  if (user.expiresAt && Date.parse(user.expiresAt) <= now.getTime()) return 'This account has expired.';
  return undefined;
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');
export const newWorkspaceId = () => `ws_${token(12)}`;
export const newDepartmentId = () => `dep_${token(12)}`;
export const newApiKeyId = () => `key_${randomBytes(12).toString('hex')}`;
/** 256 bits of entropy; the prefix makes a leaked secret easy to recognise in scanners. */
export const newApiKeySecret = () => `pgs_${token(32)}`;
