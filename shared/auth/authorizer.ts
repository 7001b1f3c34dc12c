/**
 * The authorizer's decision, free of API Gateway's event shape (functions/authorizer adapts it).
 * Two ways in: a console user's ID token (`Authorization: Bearer <JWT>`), or a partner request
 * signed with an API key (request-signing.ts). Either way the identity store, not the token,
 * is the source of truth for role, status, expiry and revocation.
 */
import type { Principal } from '../api/operation';
import type { Clock } from '../ports/clock';
import { accountProblem } from '../identity/model';
import type { CipherContext, IdentityStore, NonceStore, SecretCipher } from '../identity/ports';
import type { JwtVerifier } from './jwt';
import { isSignedRequest, MAX_CLOCK_SKEW_MS, parseSignatureHeaders, verifySignature, type QueryParameters } from './request-signing';

export interface AuthorizerDeps {
  readonly store: IdentityStore;
  readonly nonces: NonceStore;
  readonly cipher: SecretCipher;
  readonly verifyJwt: JwtVerifier;
  readonly clock: Clock;
}

export interface AuthorizationRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly method: string;
  readonly path: string;
  readonly query?: QueryParameters | null;
}

export type Decision =
  | { readonly effect: 'Allow'; readonly principal: Principal; readonly usageIdentifierKey?: string; readonly rateLimit?: number }
  /** Authenticated, but the account may not act (suspended, locked, not activated, expired). */
  | { readonly effect: 'Deny'; readonly principal: Principal; readonly reason: string };

/** No valid credentials: API Gateway answers 401. `reason` is for logs, never for the caller. */
export class NotAuthenticated extends Error {
  override readonly name = 'NotAuthenticated';
}

const SECRET_CACHE_LIMIT = 500;

export function createAuthorizer(deps: AuthorizerDeps): (request: AuthorizationRequest) => Promise<Decision> {
  // Decrypted secrets per ciphertext: saves a KMS call per request. Revocation is still read from
  // the store on every request, so caching the secret never extends a revoked key's life.
  const secrets = new Map<string, string>();
  async function secretOf(ciphertext: string, context: CipherContext): Promise<string> {
    const cacheKey = `${context.workspaceId}\n${context.keyId}\n${ciphertext}`;
    const cached = secrets.get(cacheKey);
    if (cached !== undefined) return cached;
    const secret = await deps.cipher.decrypt(ciphertext, context);
    if (secrets.size >= SECRET_CACHE_LIMIT) secrets.delete(secrets.keys().next().value!);
    secrets.set(cacheKey, secret);
    return secret;
  }

  async function bearer(token: string): Promise<Decision> {
    let claims;
    try {
      claims = await deps.verifyJwt(token);
    } catch (error) {
      throw new NotAuthenticated((error as Error).message);
    }
    const user = await deps.store.getUser(claims.workspaceId, claims.sub);
    if (!user) throw new NotAuthenticated('No such user');
    const principal: Principal = {
      kind: 'user',
      id: user.id,
      workspaceId: user.workspaceId,
      role: user.role,
      email: user.email,
      name: user.name,
      ...(user.departmentId ? { departmentId: user.departmentId } : {}),
    };
    const problem = accountProblem(user, deps.clock.now());
    return problem ? { effect: 'Deny', principal, reason: problem } : { effect: 'Allow', principal };
  }

  async function signed(request: AuthorizationRequest): Promise<Decision> {
    const signedHeaders = parseSignatureHeaders(request.headers);
    if (!signedHeaders) throw new NotAuthenticated('Malformed signature headers');
    const key = await deps.store.getApiKey(signedHeaders.keyId);
    if (!key) throw new NotAuthenticated('Unknown API key');
    if (key.revokedAt) throw new NotAuthenticated('Revoked API key');
    const secret = await secretOf(key.secretCiphertext, { workspaceId: key.workspaceId, keyId: key.id });
    const now = deps.clock.now();
    const check = verifySignature({ secret, signed: signedHeaders, method: request.method, path: request.path, query: request.query, now });
    if (!check.ok) throw new NotAuthenticated(check.reason);
    // Claimed only after the signature holds, so nobody can burn a partner's nonces.
    const expiresAt = new Date(now.getTime() + 2 * MAX_CLOCK_SKEW_MS);
    if (!(await deps.nonces.claim(key.id, signedHeaders.nonce, expiresAt, now))) throw new NotAuthenticated('Replayed nonce');
    return {
      effect: 'Allow',
      principal: { kind: 'apiKey', id: key.id, workspaceId: key.workspaceId, role: key.role, name: key.name },
      usageIdentifierKey: key.usagePlan.usageKey,
      rateLimit: key.rateLimit,
    };
  }

  return async (request) => {
    if (isSignedRequest(request.headers)) return signed(request);
    const authorization = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
    const match = /^Bearer +([A-Za-z0-9_.-]+)$/.exec(authorization ?? '');
    if (!match) throw new NotAuthenticated('No credentials');
    return bearer(match[1]!);
  };
}
