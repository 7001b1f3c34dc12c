/**
 * NonceStore on the `idempotency` table (partition key `id`, expiry attribute `expiration` in
 * epoch seconds). TTL deletes late and the emulators have none, so the condition itself treats an
 * expired item as absent: a stale nonce item may be overwritten, a live one may not.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NonceStore } from '../../identity/ports';

export function createDynamoNonceStore(doc: DynamoDBDocumentClient, tableName: string): NonceStore {
  return {
    async claim(scope, nonce, expiresAt, now) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { id: `nonce#${scope}#${nonce}`, kind: 'nonce', expiration: Math.ceil(expiresAt.getTime() / 1000) },
            ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
            ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') {
          return false;
        }
        throw error;
      }
    },
  };
}
