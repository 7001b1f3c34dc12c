/**
 * Tracking: the public endpoints recipients hit (open pixel, click redirect, page views,
 * unsubscribe, subscribe, forward, comment, code images) and the projector that turns the lake's
 * new objects into engagement data.
 *
 *   viewer → CloudFront (`https://<domain>/t/…`) → Lambda function URL (tracking) → Firehose → lake
 *   lake "Object Created" under events/ → EventBridge rule → engagementProjector → DynamoDB
 *
 * The function URL (no API Gateway) keeps the per-request cost to CloudFront's and Lambda's own.
 * The tracking base URL is the distribution's `https://<domain>/t`; the function learns it at cold
 * start from an SSM parameter with a fixed, stage-scoped name (the function cannot reference the
 * distribution in front of it: that would be a cycle).
 */
import { createHash } from 'node:crypto';
import { AssetHashType, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { ensureGeoipLayer, GEOIP_LAYER_FOLDER } from '../../../layers/geoip/build';
import { functions, schedules, streams } from '../../manifest';
import { objectTriggerRules } from '../constructs/object-trigger';
import { PigeonFunction, type PigeonResources } from '../constructs/pigeon-function';
import { acknowledge } from '../nag';
import type { StageConfig } from '../stage';

export interface TrackingStackProps extends StackProps {
  readonly stage: StageConfig;
  /** Manifest resources, with `streams` (the analytics stack's Firehose) and `mail`. */
  readonly resources: PigeonResources;
  /** The HMAC key tracking tokens' key is derived from (TRACKING_KMS_KEY_ID). */
  readonly trackingKey: IKey;
  /** CloudFront standard logs go here (ACL-enabled: the stateful stack's logs bucket). */
  readonly logsBucket: s3.IBucket;
  /** Alarm notifications (the messaging stack's topic). */
  readonly alarmTopic: sns.ITopic;
}

/** The path every tracking endpoint sits under on the distribution (the handler strips it). */
export const TRACKING_PATH = '/t';
/** Where the layer's files are in Lambda (layers unpack under /opt). */
export const GEOIP_DIR = `/opt/${GEOIP_LAYER_FOLDER}`;

/** The SSM parameter holding `https://<distribution domain>/t`: a literal, so no token ties the function to the distribution. */
export const trackingBaseUrlParameterName = (stage: string): string => `/pigeon/${stage}/tracking-base-url`;

/** The viewer headers the endpoints read (device, language, form bodies, origin checks) and the viewer's address. */
export const TRACKING_ORIGIN_HEADERS = ['Accept-Language', 'Content-Type', 'Origin', 'Referer', 'User-Agent', 'CloudFront-Viewer-Address'] as const;

export class TrackingStack extends Stack {
  readonly trackingFunction: PigeonFunction;
  readonly geoipLayer: lambda.LayerVersion;
  readonly functionUrl: lambda.FunctionUrl;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>/t`: the base of every tracked link (TRACKING_BASE_URL). */
  readonly trackingBaseUrl: string;
  readonly baseUrlParameter: ssm.StringParameter;
  readonly projectorFunction: PigeonFunction;
  readonly projectorRules: events.Rule[];
  /** The projector's failed invocations (after Lambda's retries) and events EventBridge could not deliver. */
  readonly projectorFailures: sqs.Queue;
  /** The daily loyalty score sweep and its schedule (the manifest's fixed schedules). */
  readonly scoreDecayFunction: PigeonFunction;
  readonly scheduleRules: events.Rule[];
  readonly alarms: Readonly<Record<'trackingErrors' | 'projectorFailures' | 'lakeFreshness', cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: TrackingStackProps) {
    super(scope, id, props);
    const { stage, resources } = props;
    const common = { stage: stage.name, logRetentionDays: stage.logRetentionDays, removalPolicy: stage.removalPolicy };
    const parameterName = trackingBaseUrlParameterName(stage.name);
    const eventsStream = resources.streams?.events;
    if (!eventsStream) throw new Error('The tracking stack needs resources.streams.events (the analytics stack\'s Firehose)');

    // ---------- the GeoIP layer ----------
    // Built (copied from the pinned npm package) only when missing or stale; hashed by what it
    // holds (package version, file names and sizes), so synthesis never reads 134 MB to hash it.
    const geoip = ensureGeoipLayer();
    const geoipHash = createHash('sha256')
      .update(JSON.stringify({ source: geoip.source, files: geoip.files }))
      .digest('hex');
    this.geoipLayer = new lambda.LayerVersion(this, 'GeoipLayer', {
      code: lambda.Code.fromAsset(geoip.root, { assetHashType: AssetHashType.CUSTOM, assetHash: geoipHash, exclude: ['.build-*'] }),
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
      description: `GeoIP database ${geoip.source} (DB-IP City Lite, CC BY 4.0) at ${GEOIP_DIR}`,
      license: 'CC-BY-4.0',
      removalPolicy: stage.removalPolicy,
    });

    // ---------- the tracking function ----------
    this.trackingFunction = new PigeonFunction(this, 'TrackingFunction', {
      ...common,
      name: 'tracking',
      declaration: functions.tracking,
      environment: {
        GEOIP_DIR,
        TRACKING_KMS_KEY_ID: props.trackingKey.keyArn,
        TRACKING_BASE_URL_PARAMETER: parameterName,
      },
    }).use(functions.tracking.uses, resources);
    this.trackingFunction.function.addLayers(this.geoipLayer);
    // Derives the token key (GenerateMac over a fixed label), as the mail worker does.
    this.trackingFunction.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateMac'], resources: [props.trackingKey.keyArn] }));
    // The parameter's ARN from its literal name: no reference to the parameter resource, so no cycle.
    this.trackingFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [this.formatArn({ service: 'ssm', resource: 'parameter', resourceName: parameterName.replace(/^\//, '') })],
      }),
    );

    // Public on purpose: every endpoint verifies the sealed token in its path itself. Origin access
    // control (IAM auth on the URL, CloudFront signing) is not used because Lambda then requires
    // the client to sign POST bodies (x-amz-content-sha256), which browsers' form posts and RFC 8058
    // one-click unsubscribe POSTs from mail providers cannot do. Callers that skip CloudFront reach
    // the same checks (and could only misstate their own CloudFront-Viewer-Address).
    this.functionUrl = this.trackingFunction.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });

    // ---------- CloudFront in front of it ----------
    const origin = new origins.FunctionUrlOrigin(this.functionUrl);
    // Why not the managed AllViewerExceptHostHeader: its header behaviour forwards viewer headers
    // (all but Host), and CloudFront-Viewer-Address is not a viewer header but one CloudFront adds
    // only when a policy names it; a policy that could name it next to all viewer headers
    // (allViewerAndWhitelistCloudFront) would also pass the viewer's Host, which the function URL
    // rejects. So: an allow-list of what the endpoints read, plus the viewer's address (the
    // function would otherwise only see CloudFront's). No cookies: the endpoints use none.
    const originRequests = new cloudfront.OriginRequestPolicy(this, 'TrackingOriginRequests', {
      comment: `Pigeon ${stage.name} tracking: query strings, the headers the endpoints read, CloudFront-Viewer-Address`,
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...TRACKING_ORIGIN_HEADERS),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    // Code images are immutable per URL (signature in the path, value in the query: both in the
    // key), p.js is cached for the hour its Cache-Control says; nothing else sets a max-age, and
    // refusals are no-store, so a default TTL of 0 caches nothing by accident.
    const originCacheControl = new cloudfront.CachePolicy(this, 'TrackingStaticCache', {
      comment: `Pigeon ${stage.name} tracking: code images and p.js, for as long as their Cache-Control says`,
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const dynamic: cloudfront.BehaviorOptions = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      // Forms (unsubscribe, subscribe, forward, comment), one-click unsubscribe and beacons POST.
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: originRequests,
      compress: true,
    };
    const cached: cloudfront.BehaviorOptions = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: originCacheControl,
      compress: true,
    };
    // Anything outside /t/ is answered at the edge: no path reaches the function but the endpoints.
    const notFound = new cloudfront.Function(this, 'NotFoundFunction', {
      comment: 'Pigeon tracking: 404 outside /t/',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { return { statusCode: 404, statusDescription: 'Not Found', headers: { 'cache-control': { value: 'no-store' } } }; }",
      ),
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Pigeon ${stage.name} tracking endpoints`,
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        functionAssociations: [{ function: notFound, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      // Behaviours are matched in this order: the cached paths before the /t/* catch-all.
      additionalBehaviors: {
        [`${TRACKING_PATH}/q/*`]: cached,
        [`${TRACKING_PATH}/p.js`]: cached,
        [`${TRACKING_PATH}/*`]: dynamic,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Recipients read mail everywhere; Price Class 200 adds Asia's edges (clicks redirect at once).
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket: props.logsBucket,
      logFilePrefix: 'cloudfront-tracking/',
    });
    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'E-mail recipients are everywhere; no country is blocked');
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'Every endpoint verifies a sealed token before acting and forms carry a CAPTCHA; WAF adds per-request cost without a threat it would block',
    );
    acknowledge(this.distribution, 'AwsSolutions-CFR4', 'The default *.cloudfront.net certificate allows older TLS; set a custom domain and certificate to enforce TLSv1.2_2021');

    this.trackingBaseUrl = `https://${this.distribution.distributionDomainName}${TRACKING_PATH}`;
    this.baseUrlParameter = new ssm.StringParameter(this, 'TrackingBaseUrlParameter', {
      parameterName,
      stringValue: this.trackingBaseUrl,
      description: `Pigeon ${stage.name}: public base URL of the tracking endpoints (read by the tracking function at cold start)`,
      tier: ssm.ParameterTier.STANDARD,
    });
    new CfnOutput(this, 'TrackingBaseUrl', { value: this.trackingBaseUrl, description: 'Base of tracked links (open, click, unsubscribe, …)' });
    new CfnOutput(this, 'TrackingFunctionUrl', { value: this.functionUrl.url, description: 'The tracking function URL (CloudFront\'s origin)' });

    // ---------- the engagement projector ----------
    this.projectorFunction = new PigeonFunction(this, 'EngagementProjectorFunction', {
      ...common,
      name: 'engagementProjector',
      declaration: functions.engagementProjector,
    }).use(functions.engagementProjector.uses, resources);
    this.projectorFailures = new sqs.Queue(this, 'ProjectorFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: stage.removalPolicy,
    });
    acknowledge(
      this.projectorFailures,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter destination of the projector (Lambda on-failure destination and EventBridge DLQ)',
    );
    // A failed object is retried twice by Lambda, then recorded here (the record holds the original
    // event, so it can be replayed: re-projecting an object applies only what it had not applied).
    this.projectorFunction.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.projectorFailures),
    });
    this.projectorRules = objectTriggerRules(this, 'ProjectorRule', 'engagementProjector', this.projectorFunction, resources.buckets, {
      retryAttempts: 4,
      maxEventAge: Duration.hours(6),
      deadLetterQueue: this.projectorFailures,
    });

    // ---------- the daily score sweep (manifest schedules: fixed, so an EventBridge rule suffices) ----------
    this.scoreDecayFunction = new PigeonFunction(this, 'ScoreDecayFunction', {
      ...common,
      name: 'scoreDecay',
      declaration: functions.scoreDecay,
    }).use(functions.scoreDecay.uses, resources);
    // Each stack creates the rules of the scheduled functions it builds (reportDispatch: the reports stack).
    const scheduled: Partial<Record<string, PigeonFunction>> = { scoreDecay: this.scoreDecayFunction };
    this.scheduleRules = Object.entries(schedules).flatMap(([name, schedule]) => {
      const target = scheduled[schedule.function];
      if (!target) return [];
      return [
        new events.Rule(this, `Schedule-${name}`, {
          description: `Pigeon ${stage.name}: ${schedule.description}`,
          schedule: events.Schedule.expression(schedule.expression),
          targets: [new targets.LambdaFunction(target.function, { retryAttempts: 2, maxEventAge: Duration.hours(6), deadLetterQueue: this.projectorFailures })],
        }),
      ];
    });

    // ---------- alarms ----------
    const alarmAction = new actions.SnsAction(props.alarmTopic);
    const trackingErrors = new cloudwatch.Alarm(this, 'TrackingErrorsAlarm', {
      alarmDescription: `Pigeon ${stage.name}: the tracking function is failing (unhandled errors or timeouts; refusals and 503s are answers, not errors)`,
      metric: this.trackingFunction.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const projectorFailures = new cloudwatch.Alarm(this, 'ProjectorFailuresAlarm', {
      alarmDescription: `Pigeon ${stage.name}: lake objects the engagement projector could not project are waiting in its failure queue`,
      metric: this.projectorFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Firehose writes every minute (bufferSeconds); records older than 15 minutes mean S3 delivery is stuck.
    const lakeFreshness = new cloudwatch.Alarm(this, 'LakeFreshnessAlarm', {
      alarmDescription: `Pigeon ${stage.name}: events wait in Firehose more than 15 minutes before reaching the lake`,
      metric: eventsStream.metric('DeliveryToS3.DataFreshness', { period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: Math.max(900, streams.events.bufferSeconds * 10),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [trackingErrors, projectorFailures, lakeFreshness]) alarm.addAlarmAction(alarmAction);
    this.alarms = { trackingErrors, projectorFailures, lakeFreshness };
  }
}
