/**
 * Console hosting: a private bucket behind CloudFront (origin access control, HTTPS only, security
 * headers, SPA routing). Its content (the built console and `config.json` with the API URL) is
 * deployed by ConsoleContentStack, after the API exists: the API allows this distribution's origin,
 * and the console must know the API's URL, so one stack holding both would be a cycle.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { repoRoot } from '../constructs/pigeon-function';
import { secureBucket } from '../constructs/secure-bucket';
import { acknowledge, acknowledgeManagedPolicies, acknowledgeWildcards } from '../nag';
import type { StageConfig } from '../stage';

export interface ConsoleStackProps extends StackProps {
  readonly stage: StageConfig;
}

export class ConsoleStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly logsBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`: the console's origin (CONSOLE_ORIGIN). */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    const { stage } = props;

    // CloudFront standard logs are delivered with ACLs, so this bucket (only) keeps them enabled.
    this.logsBucket = secureBucket(this, 'LogsBucket', {
      removalPolicy: stage.removalPolicy,
      expireAfterDays: stage.prodLike ? 365 : 90,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
    });
    acknowledge(this.logsBucket, 'AwsSolutions-S1', 'This is the access-log target; logging it into itself would loop');

    this.bucket = secureBucket(this, 'Bucket', {
      removalPolicy: stage.removalPolicy,
      accessLogs: { bucket: this.logsBucket, prefix: 's3/console/' },
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Pigeon ${stage.name} console security headers`,
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, preload: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
        contentSecurityPolicy: {
          // The API lives on another origin (API Gateway), so connect-src allows https: for it.
          contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self' https:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
          override: true,
        },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Pigeon ${stage.name} console`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
      },
      // Client-side routes (/contacts/123) are not objects: answer them with the app shell.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(10),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
    });
    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'Marketing teams and partners are international; no country is blocked');
    acknowledge(this.distribution, 'AwsSolutions-CFR2', 'Static console assets only; the API behind it has its own authorizer and throttling');
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The default *.cloudfront.net certificate allows older TLS; set a custom domain and certificate to enforce TLSv1.2_2021',
    );

    this.origin = `https://${this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'ConsoleUrl', { value: this.origin, description: 'The console' });
  }
}

export interface ConsoleContentStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly bucket: s3.IBucket;
  readonly distribution: cloudfront.IDistribution;
  readonly apiUrl: string;
  /** Folder of the built console; default `console/dist`. */
  readonly distDir?: string;
}

/** The console's files and its `config.json` ({ apiUrl, stage }), deployed into the hosting bucket. */
export class ConsoleContentStack extends Stack {
  readonly deployment: s3deploy.BucketDeployment;
  readonly consoleBuilt: boolean;

  constructor(scope: Construct, id: string, props: ConsoleContentStackProps) {
    super(scope, id, props);
    const distDir = props.distDir ?? join(repoRoot, 'console', 'dist');
    this.consoleBuilt = existsSync(join(distDir, 'index.html'));

    const sources = [s3deploy.Source.jsonData('config.json', { apiUrl: props.apiUrl, stage: props.stage.name })];
    if (this.consoleBuilt) sources.unshift(s3deploy.Source.asset(distDir));
    else {
      Annotations.of(this).addWarningV2(
        'pigeon:console-not-built',
        `console/dist is missing: only config.json is deployed. Run "npm run console:build" before "cdk deploy" to publish the console.`,
      );
    }

    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: props.bucket,
      sources,
      distribution: props.distribution,
      distributionPaths: ['/*'],
      // Without the built console, keep whatever an earlier deploy put there.
      prune: this.consoleBuilt,
      memoryLimit: 512,
    });
    acknowledge(this, 'AwsSolutions-L1', "BucketDeployment's handler runtime is chosen by aws-cdk-lib");
    acknowledgeManagedPolicies(this, "BucketDeployment's handler role is built by aws-cdk-lib with the basic execution policy", [
      /^Policy::arn:(<AWS::Partition>|[a-z-]+):iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole$/,
    ]);
    acknowledgeWildcards(this, 'BucketDeployment copies any file of the console into its bucket (CDK grant)', [
      /^Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort|PutObject)/,
      /^Resource::.*\/\*$/,
      /^Resource::\*$/, // cloudfront:CreateInvalidation has no resource-level permission
    ]);
  }
}
