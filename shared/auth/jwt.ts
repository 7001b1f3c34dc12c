/**
 * Verifies console ID tokens: Cognito's in AWS, the local issuer's in the sandbox. Same code on
 * both hosts; only JWKS_URL / JWT_ISSUER / JWT_AUDIENCE differ.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { required } from '../config';
import { isRole, type Role } from './roles';

/** The claims both Cognito and the local issuer put in an ID token (the ones we use). */
export interface IdTokenClaims {
  readonly sub: string;
  readonly email?: string;
  readonly name?: string;
  readonly workspaceId: string;
  readonly departmentId?: string;
  /** From `cognito:groups`; the authorizer trusts the store's role over this. */
  readonly role?: Role;
}

export type JwtVerifier = (token: string) => Promise<IdTokenClaims>;

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

export function createJwtVerifier(options: { jwksUrl: string; issuer: string; audience: string }): JwtVerifier {
  // Built once: jose caches the fetched keys and refetches on an unknown `kid` (key rotation).
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  return async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        clockTolerance: 5,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw new InvalidTokenError(`Token rejected: ${(error as Error).name}`);
    }
    // Cognito access tokens carry no audience claim, but reject anything but an ID token anyway.
    if (payload.token_use !== 'id') throw new InvalidTokenError('Not an ID token');
    const text = (name: string): string | undefined => {
      const value = payload[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    const workspaceId = text('custom:workspaceId');
    if (!payload.sub || !workspaceId) throw new InvalidTokenError('Token lacks sub or workspace');
    const groups = payload['cognito:groups'];
    const role = Array.isArray(groups) ? groups.find(isRole) : undefined;
    return {
      sub: payload.sub,
      workspaceId,
      ...(text('email') ? { email: text('email') } : {}),
      ...(text('name') ? { name: text('name') } : {}),
      ...(text('custom:departmentId') ? { departmentId: text('custom:departmentId') } : {}),
      ...(role ? { role } : {}),
    };
  };
}

export function jwtVerifierFromEnv(): JwtVerifier {
  return createJwtVerifier({ jwksUrl: required('JWKS_URL'), issuer: required('JWT_ISSUER'), audience: required('JWT_AUDIENCE') });
}
