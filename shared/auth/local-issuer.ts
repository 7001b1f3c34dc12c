/**
 * The sandbox's stand-in for Cognito: signs ID tokens with the same claims Cognito puts in its
 * ID tokens, and publishes its public key as a JWKS, so the authorizer verifies both the same way.
 * The RS256 key lives in `keysDir` (created on first use) so tokens survive a sandbox restart.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export interface LocalIssuer {
  jwks(): { keys: JWK[] };
  /** Signs the claims as given; adds `iat`, and `exp` one hour ahead when absent. */
  issue(claims: Record<string, unknown>): Promise<string>;
}

const KEY_FILE = 'local-issuer.jwk.json';
const DEFAULT_LIFETIME_SECONDS = 3600;

async function loadOrCreateKey(keysDir: string): Promise<JWK> {
  const file = join(keysDir, KEY_FILE);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  try {
    // 'wx': when two processes start at once, the first key written wins and both use it.
    await writeFile(file, JSON.stringify(jwk), { flag: 'wx', mode: 0o600 });
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  }
}

export async function loadLocalIssuer(keysDir: string): Promise<LocalIssuer> {
  const privateJwk = await loadOrCreateKey(keysDir);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, 'RS256');
  return {
    jwks: () => ({ keys: [publicJwk] }),
    async issue(claims) {
      const now = Math.floor(Date.now() / 1000);
      const payload = { iat: now, exp: now + DEFAULT_LIFETIME_SECONDS, ...claims };
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: privateJwk.kid!, typ: 'JWT' }).sign(key);
    },
  };
}
