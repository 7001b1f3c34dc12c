/**
 * An S3 bucket with the settings every Pigeon bucket shares: public access blocked, TLS only
 * (1.2+), ACLs off, server access logs to the stage's logs bucket, and the stage's removal rule
 * (non-production buckets are emptied and deleted with their stack; production ones are kept).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface SecureBucketProps {
  readonly removalPolicy: RemovalPolicy;
  /** Customer-managed key; none: S3-managed keys (SSE-S3). */
  readonly encryptionKey?: IKey;
  /** Where server access logs go; none only for the logs bucket itself. */
  readonly accessLogs?: { readonly bucket: s3.IBucket; readonly prefix: string };
  readonly versioned?: boolean;
  readonly expireAfterDays?: number;
  readonly cors?: s3.CorsRule[];
  readonly objectOwnership?: s3.ObjectOwnership;
}

export function secureBucket(scope: Construct, id: string, props: SecureBucketProps): s3.Bucket {
  const destroy = props.removalPolicy === RemovalPolicy.DESTROY;
  const lifecycleRules: s3.LifecycleRule[] = [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }];
  if (props.expireAfterDays !== undefined) {
    lifecycleRules.push({ id: 'expire', expiration: Duration.days(props.expireAfterDays) });
  }
  if (props.versioned) lifecycleRules.push({ id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(30) });
  return new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: props.objectOwnership ?? s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    ...(props.encryptionKey
      ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
      : { encryption: s3.BucketEncryption.S3_MANAGED }),
    ...(props.accessLogs ? { serverAccessLogsBucket: props.accessLogs.bucket, serverAccessLogsPrefix: props.accessLogs.prefix } : {}),
    versioned: props.versioned ?? false,
    lifecycleRules,
    ...(props.cors ? { cors: props.cors } : {}),
    removalPolicy: props.removalPolicy,
    autoDeleteObjects: destroy,
  });
}
