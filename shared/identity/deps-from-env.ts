/**
 * Adapters chosen by PIGEON_RUNTIME. DynamoDB is the same adapter on both hosts (the emulator
 * speaks its API); KMS, Cognito and API Gateway usage plans have local stand-ins.
 * Each builder reads only the variables its adapter needs, so the authorizer (store, nonces,
 * cipher) does not need Cognito's or API Gateway's settings.
 */
import { createApiGatewayUsagePlans } from '../adapters/aws/usage-plans.api-gateway';
import { apiGatewayClient, cognitoClient, identityDynamoClient, kmsClient } from '../adapters/aws/identity-clients';
import { createCognitoIdentityProvider } from '../adapters/aws/identity-provider.cognito';
import { createDynamoIdentityStore } from '../adapters/aws/identity-store.dynamodb';
import { createDynamoNonceStore } from '../adapters/aws/nonce-store.dynamodb';
import { createKmsSecretCipher } from '../adapters/aws/secret-cipher.kms';
import { createLocalIdentityProvider } from '../adapters/local/identity-provider.local';
import { createLocalSecretCipher } from '../adapters/local/secret-cipher.local';
import { createLocalUsagePlans } from '../adapters/local/usage-plans.local';
import { optional, required, runtime, tableName } from '../config';
import type { IdentityProvider, IdentityStore, NonceStore, SecretCipher, UsagePlanRegistry } from './ports';

export const identityStoreFromEnv = (): IdentityStore => createDynamoIdentityStore(identityDynamoClient(), tableName('identity'));

export const nonceStoreFromEnv = (): NonceStore => createDynamoNonceStore(identityDynamoClient(), tableName('idempotency'));

export const secretCipherFromEnv = (): SecretCipher =>
  runtime() === 'aws' ? createKmsSecretCipher(kmsClient(), optional('API_KEYS_KMS_KEY_ID')) : createLocalSecretCipher(required('LOCAL_KEYS_DIR'));

export const identityProviderFromEnv = (): IdentityProvider =>
  runtime() === 'aws'
    ? createCognitoIdentityProvider(cognitoClient(), { userPoolId: required('COGNITO_USER_POOL_ID'), clientId: required('COGNITO_CLIENT_ID') })
    : createLocalIdentityProvider({ keysDir: required('LOCAL_KEYS_DIR'), issuer: required('JWT_ISSUER'), audience: required('JWT_AUDIENCE') });

export const usagePlansFromEnv = (): UsagePlanRegistry =>
  runtime() === 'aws'
    ? createApiGatewayUsagePlans(apiGatewayClient(), { restApiId: required('REST_API_ID'), stage: required('REST_API_STAGE') })
    : createLocalUsagePlans();
