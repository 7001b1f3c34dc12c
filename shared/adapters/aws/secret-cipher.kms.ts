/**
 * SecretCipher with KMS. The encryption context {workspaceId, keyId} binds each ciphertext to its
 * key record: a ciphertext copied onto another key fails to decrypt, and CloudTrail shows which
 * key's secret was read.
 */
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ConfigurationError } from '../../config';
import type { CipherContext, SecretCipher } from '../../identity/ports';

const contextOf = (context: CipherContext) => ({ workspaceId: context.workspaceId, keyId: context.keyId });

/** `kmsKeyId` is needed only to encrypt (the API); the authorizer only decrypts. */
export function createKmsSecretCipher(kms: KMSClient, kmsKeyId: string | undefined): SecretCipher {
  return {
    async encrypt(plaintext, context) {
      if (!kmsKeyId) throw new ConfigurationError('Missing environment variable API_KEYS_KMS_KEY_ID');
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: kmsKeyId, Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: contextOf(context) }),
      );
      if (!CiphertextBlob) throw new Error('KMS returned no ciphertext');
      return Buffer.from(CiphertextBlob).toString('base64');
    },
    async decrypt(ciphertext, context) {
      const { Plaintext } = await kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(ciphertext, 'base64'),
          EncryptionContext: contextOf(context),
          ...(kmsKeyId ? { KeyId: kmsKeyId } : {}),
        }),
      );
      if (!Plaintext) throw new Error('KMS returned no plaintext');
      return Buffer.from(Plaintext).toString('utf8');
    },
  };
}
