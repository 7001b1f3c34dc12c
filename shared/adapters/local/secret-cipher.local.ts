/**
 * SecretCipher for the sandbox: AES-256-GCM with a 256-bit key kept in LOCAL_KEYS_DIR (created on
 * first use). The context {workspaceId, keyId} is the additional authenticated data, as KMS's
 * encryption context: a ciphertext moved to another key record does not decrypt.
 * Format: `v1.<iv>.<tag>.<ciphertext>`, each base64url.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CipherContext, SecretCipher } from '../../identity/ports';

const KEY_FILE = 'api-key-cipher.key';

async function loadOrCreateKey(keysDir: string): Promise<Buffer> {
  const file = join(keysDir, KEY_FILE);
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    await writeFile(file, key.toString('base64'), { flag: 'wx', mode: 0o600 });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  }
}

const aad = (context: CipherContext) => Buffer.from(JSON.stringify([context.workspaceId, context.keyId]), 'utf8');

export function createLocalSecretCipher(keysDir: string): SecretCipher {
  let key: Promise<Buffer> | undefined;
  const getKey = () => (key ??= loadOrCreateKey(keysDir));
  return {
    async encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', await getKey(), iv);
      cipher.setAAD(aad(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), body].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },
    async decrypt(ciphertext, context) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Not a local ciphertext');
      const decipher = createDecipheriv('aes-256-gcm', await getKey(), Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
