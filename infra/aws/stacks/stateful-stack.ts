/**
 * Everything that holds data: every manifest table and bucket, the logs bucket, and the KMS keys.
 * Kept apart from the stateless stacks so those can be replaced freely; production-like stages
 * retain all of it when the stack is deleted.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { buckets, objectTriggers, tables, type BucketName, type KeyAttribute, type TableName } from '../../manifest';
import { secureBucket } from '../constructs/secure-bucket';
import { acknowledge } from '../nag';
import type { StageConfig } from '../stage';

export interface StatefulStackProps extends StackProps {
  readonly stage: StageConfig;
  /** Origin allowed to upload straight to browserUploads buckets (the console's). */
  readonly consoleOrigin: string;
}

/** Buckets whose objects are worth a second copy when overwritten or deleted. */
const VERSIONED: ReadonlySet<BucketName> = new Set<BucketName>(['assets', 'reports']);
/** Hosted e-mail assets end up public through a CDN; SSE-S3 keeps that path simple. */
const S3_MANAGED: ReadonlySet<BucketName> = new Set<BucketName>(['assets']);

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

export class StatefulStack extends Stack {
  /** Encrypts tables and the private buckets. */
  readonly dataKey: kms.Key;
  /** Encrypts partner API key secrets (API_KEYS_KMS_KEY_ID). */
  readonly apiKeysKey: kms.Key;
  readonly logsBucket: s3.Bucket;
  readonly tables: Readonly<Record<TableName, dynamodb.Table>>;
  readonly buckets: Readonly<Record<BucketName, s3.Bucket>>;
  /** HMAC key from which tracking tokens' key is derived (TRACKING_KMS_KEY_ID): kept, so old links keep working. */
  readonly trackingKey: kms.Key;
  /** The hosted e-mail assets (images, EDM pages, attachment links) in front of the assets bucket. */
  readonly assetsDistribution: cloudfront.Distribution;
  /** `https://<assets domain>` (ASSETS_BASE_URL). */
  readonly assetsUrl: string;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { stage } = props;

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `Pigeon ${stage.name}: tables and private buckets`,
      enableKeyRotation: true,
      removalPolicy: stage.removalPolicy,
    });
    this.apiKeysKey = new kms.Key(this, 'ApiKeysKey', {
      description: `Pigeon ${stage.name}: partner API key secrets`,
      enableKeyRotation: true,
      removalPolicy: stage.removalPolicy,
    });

    // S3 server access logs only support SSE-S3 on the target bucket. CloudFront standard logs (the
    // assets and tracking distributions) are delivered with ACLs, so ACLs stay enabled here.
    this.logsBucket = secureBucket(this, 'LogsBucket', {
      removalPolicy: stage.removalPolicy,
      expireAfterDays: stage.prodLike ? 365 : 90,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
    });
    acknowledge(this.logsBucket, 'AwsSolutions-S1', 'This is the access-log target; logging it into itself would loop');

    const tableEntries = (Object.keys(tables) as TableName[]).map((name) => {
      const declaration = tables[name];
      const table = new dynamodb.Table(this, `${pascal(name)}Table`, {
        partitionKey: attribute(declaration.partitionKey),
        ...('sortKey' in declaration ? { sortKey: attribute(declaration.sortKey) } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.dataKey,
        ...('ttlAttribute' in declaration ? { timeToLiveAttribute: declaration.ttlAttribute } : {}),
        deletionProtection: stage.prodLike,
        removalPolicy: stage.removalPolicy,
      });
      for (const index of declaration.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      return [name, table] as const;
    });
    this.tables = Object.fromEntries(tableEntries) as Record<TableName, dynamodb.Table>;

    const bucketEntries = (Object.keys(buckets) as BucketName[]).map((name) => {
      const declaration: (typeof buckets)[BucketName] = buckets[name];
      const cors: s3.CorsRule[] | undefined =
        'browserUploads' in declaration && declaration.browserUploads
          ? [
              {
                // Presigned PUT/POST from the console; the signature, not CORS, is the authorisation.
                allowedOrigins: [props.consoleOrigin],
                allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                allowedHeaders: ['*'],
                exposedHeaders: ['ETag'],
                maxAge: Duration.hours(1).toSeconds(),
              },
            ]
          : undefined;
      const bucket = secureBucket(this, `${pascal(name)}Bucket`, {
        removalPolicy: stage.removalPolicy,
        ...(S3_MANAGED.has(name) ? {} : { encryptionKey: this.dataKey }),
        accessLogs: { bucket: this.logsBucket, prefix: `s3/${name}/` },
        versioned: VERSIONED.has(name),
        ...('expireAfterDays' in declaration ? { expireAfterDays: declaration.expireAfterDays } : {}),
        ...(cors ? { cors } : {}),
      });
      // Object triggers (manifest objectTriggers) go through EventBridge: rules in the stacks of the
      // functions they start, so this stack never references those functions (no cross-stack cycle).
      // Set on the CloudFormation bucket itself: no notifications custom resource.
      if (objectTriggers.some((trigger) => trigger.bucket === name)) {
        (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled', true);
      }
      return [name, bucket] as const;
    });
    this.buckets = Object.fromEntries(bucketEntries) as Record<BucketName, s3.Bucket>;

    this.trackingKey = new kms.Key(this, 'TrackingKey', {
      description: `Pigeon ${stage.name}: tracking link tokens (HMAC; the token key is derived from it)`,
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: stage.removalPolicy,
    });

    // Images and pages in e-mails are fetched by every recipient's mail client: public, cached,
    // read-only, through CloudFront with origin access control (the bucket itself stays private).
    this.assetsDistribution = new cloudfront.Distribution(this, 'AssetsDistribution', {
      comment: `Pigeon ${stage.name} hosted e-mail assets`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.buckets.assets),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront-assets/',
    });
    acknowledge(this.assetsDistribution, 'AwsSolutions-CFR1', 'E-mail recipients are everywhere; no country is blocked');
    acknowledge(this.assetsDistribution, 'AwsSolutions-CFR2', 'Public, read-only images and files for e-mails; WAF adds cost without a threat to block');
    acknowledge(this.assetsDistribution, 'AwsSolutions-CFR4', 'The default *.cloudfront.net certificate allows older TLS; set a custom domain and certificate to enforce TLSv1.2_2021');
    this.assetsUrl = `https://${this.assetsDistribution.distributionDomainName}`;
    new CfnOutput(this, 'AssetsUrl', { value: this.assetsUrl, description: 'Hosted e-mail assets' });
  }
}

export function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
