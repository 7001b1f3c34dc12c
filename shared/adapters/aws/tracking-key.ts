/**
 * The tracking key (32 bytes), loaded once per container.
 *  - AWS: derived from an HMAC KMS key (TRACKING_KMS_KEY_ID) as HMAC-SHA-256 of a fixed label, so
 *    the key material never leaves KMS and every function derives the same key.
 *  - Sandbox: a random key kept in LOCAL_KEYS_DIR/tracking.key.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { clientOptions, ConfigurationError, optional } from '../../config';

const LABEL = 'pigeon-tracking-token-key-v1';

async function localKey(dir: string): Promise<Uint8Array> {
  const file = join(dir, 'tracking.key');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    await writeFile(file, key.toString('base64'), { flag: 'wx', mode: 0o600 });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  }
}

async function kmsKey(keyId: string): Promise<Uint8Array> {
  const client = new KMSClient(clientOptions('KMS'));
  const out = await client.send(new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(LABEL, 'utf8') }));
  if (!out.Mac || out.Mac.length !== 32) throw new Error('KMS returned no 32-byte MAC for the tracking key');
  return out.Mac;
}

let loaded: Promise<Uint8Array> | undefined;

export function trackingKeyFromEnv(): Promise<Uint8Array> {
  loaded ??= (() => {
    const keyId = optional('TRACKING_KMS_KEY_ID');
    if (keyId) return kmsKey(keyId);
    const dir = optional('LOCAL_KEYS_DIR');
    if (dir) return localKey(dir);
    throw new ConfigurationError('Missing environment variable TRACKING_KMS_KEY_ID (or LOCAL_KEYS_DIR in the sandbox)');
  })();
  return loaded;
}
