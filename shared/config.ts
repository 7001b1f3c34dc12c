/**
 * Runtime configuration, read from the environment once per container. A missing variable
 * throws at start with its name: configuration fails fast, never as `|| ''`.
 *
 * The same variables are set by CDK (infra/aws, through the function construct's bind helpers)
 * and by the local sandbox (infra/local), so handlers cannot tell the hosts apart except by
 * PIGEON_RUNTIME, which only chooses adapters where AWS has no API-compatible emulator.
 */
import { buckets, queues, tables, topics, type BucketName, type QueueName, type TableName, type TopicName } from '../infra/manifest';

export type Runtime = 'aws' | 'local';

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function required(name: string, env: Env = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigurationError(`Missing environment variable ${name}`);
  return value;
}

export function optional(name: string, env: Env = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function runtime(env: Env = process.env): Runtime {
  const value = required('PIGEON_RUNTIME', env);
  if (value !== 'aws' && value !== 'local') {
    throw new ConfigurationError(`PIGEON_RUNTIME must be "aws" or "local", not "${value}"`);
  }
  return value;
}

export const tableName = (table: TableName, env: Env = process.env): string => required(tables[table].envVar, env);
export const bucketName = (bucket: BucketName, env: Env = process.env): string => required(buckets[bucket].envVar, env);
export const queueUrl = (queue: QueueName, env: Env = process.env): string => required(queues[queue].envVar, env);
export const topicArn = (topic: TopicName, env: Env = process.env): string => required(topics[topic].envVar, env);

/** Shared options for every SDK v3 client: region, and an endpoint override for emulators. */
export interface ClientOptions {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Per-service endpoint overrides use the AWS SDK's own variable names
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SESV2, and
 * AWS_ENDPOINT_URL_KMS / _COGNITO_IDENTITY_PROVIDER / _API_GATEWAY for the identity adapters),
 * so the AWS CLI pointed at the sandbox reads the same settings.
 */
export type ServiceId = 'DYNAMODB' | 'S3' | 'SQS' | 'SESV2' | 'KMS' | 'COGNITO_IDENTITY_PROVIDER' | 'API_GATEWAY' | 'SSM' | 'FIREHOSE';

export function clientOptions(service: ServiceId, env: Env = process.env): ClientOptions {
  const region = required('AWS_REGION', env);
  const endpoint = optional(`AWS_ENDPOINT_URL_${service}`, env);
  if (!endpoint) return { region };
  // Emulators accept any credentials; fixed ones keep a developer's real profile out of it.
  return { region, endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

/** s3rver needs path-style addressing (bucket in the path, not the host name). */
export const s3ForcePathStyle = (env: Env = process.env): boolean => optional('S3_FORCE_PATH_STYLE', env) === 'true';
