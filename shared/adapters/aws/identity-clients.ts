/**
 * SDK clients for the identity adapters, one per container: each is built on first use (so a
 * module that only imports this file needs no AWS_REGION yet) and reused by every later call.
 */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientOptions } from '../../config';

function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

export const identityDynamoClient = once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions('DYNAMODB')), { marshallOptions: { removeUndefinedValues: true } }),
);
export const kmsClient = once(() => new KMSClient(clientOptions('KMS')));
export const cognitoClient = once(() => new CognitoIdentityProviderClient(clientOptions('COGNITO_IDENTITY_PROVIDER')));
export const apiGatewayClient = once(() => new APIGatewayClient(clientOptions('API_GATEWAY')));
