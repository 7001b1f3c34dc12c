/**
 * IdentityProvider for the sandbox: scrypt password hashes on the user item, ID tokens from the
 * local issuer with Cognito's claim names, so the authorizer cannot tell the two apart.
 */
import { randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { loadLocalIssuer, type LocalIssuer } from '../../auth/local-issuer';
import type { IdentityProvider } from '../../identity/ports';

const TOKEN_LIFETIME_SECONDS = 3600;
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

const scryptAsync = (password: string, salt: Buffer, keyLength: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = (stored ?? '').split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) {
    // Same work as a real check, so a missing hash is not told apart by timing.
    await hashPassword(password);
    return false;
  }
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}

export function createLocalIdentityProvider(options: { keysDir: string; issuer: string; audience: string }): IdentityProvider {
  let issuer: Promise<LocalIssuer> | undefined;
  const getIssuer = () => (issuer ??= loadLocalIssuer(options.keysDir));
  return {
    async createUser(input) {
      return { id: randomUUID(), passwordHash: await hashPassword(input.password) };
    },
    async updateUser() {
      // Tokens are minted from the stored user at each sign-in: nothing to mirror.
    },
    async deleteUser() {},
    async rejectUnknown(_email, password) {
      await verifyPassword(password, undefined);
    },
    async signIn(user, password) {
      if (!(await verifyPassword(password, user.passwordHash))) return { ok: false };
      const idToken = await (await getIssuer()).issue({
        sub: user.id,
        email: user.email,
        name: user.name,
        token_use: 'id',
        'custom:workspaceId': user.workspaceId,
        ...(user.departmentId ? { 'custom:departmentId': user.departmentId } : {}),
        'cognito:groups': [user.role],
        iss: options.issuer,
        aud: options.audience,
        exp: Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_SECONDS,
      });
      return { ok: true, idToken, expiresIn: TOKEN_LIFETIME_SECONDS };
    },
  };
}
