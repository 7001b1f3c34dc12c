/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped CloudFormation JSON */
/**
 * What each stack must guarantee, checked on the synthesised templates of a `dev` stage (and a
 * `prod` one where the stage changes behaviour). Expected values come from the manifest and the
 * route table, so a change there that the stacks do not follow fails here.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../shared/api/routes';
import { roles } from '../../shared/auth/roles';
import { lakeEventColumns } from '../../shared/lake/event';
import { buckets, queues, tables } from '../../infra/manifest';
import { isPartnerCallable } from '../../infra/aws/stacks/api-stack';
import { build, resourcesOf, templates, type Templates } from './helpers';

let dev: Templates;
let prod: Templates;

beforeAll(() => {
  dev = templates(build({ stage: 'dev' }).stacks);
  prod = templates(build({ stage: 'prod' }).stacks);
});

type Resource = { Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
const props = (resource: Resource): Record<string, any> => resource.Properties ?? {};

/** The bucket policy statements that apply to a bucket, by the bucket's logical id. */
function bucketPolicyFor(template: Template, bucketId: string): any[] {
  const policies = resourcesOf(template, 'AWS::S3::BucketPolicy').filter(([, policy]) => props(policy).Bucket?.Ref === bucketId);
  return policies.flatMap(([, policy]) => props(policy).PolicyDocument.Statement as any[]);
}

function denyInsecureTransport(statements: any[]): boolean {
  return statements.some(
    (statement) => statement.Effect === 'Deny' && statement.Condition?.Bool?.['aws:SecureTransport'] === 'false',
  );
}

describe('stateful stack', () => {
  it('creates every manifest table with its keys, indexes and TTL, on demand, with PITR and a rotating customer-managed key', () => {
    const found = resourcesOf(dev.stateful, 'AWS::DynamoDB::Table');
    expect(found).toHaveLength(Object.keys(tables).length);
    for (const [name, declaration] of Object.entries(tables)) {
      // By logical id: several tables share a key schema (pk/sk, no index), so the schema alone is ambiguous.
      const match = found.find(([id, table]) => {
        const schema = props(table).KeySchema as { AttributeName: string; KeyType: string }[];
        const indexNames = ((props(table).GlobalSecondaryIndexes ?? []) as { IndexName: string }[]).map((index) => index.IndexName);
        return (
          id.startsWith(`${name[0]!.toUpperCase()}${name.slice(1)}Table`) &&
          schema.find((key) => key.KeyType === 'HASH')?.AttributeName === declaration.partitionKey.name &&
          schema.find((key) => key.KeyType === 'RANGE')?.AttributeName === ('sortKey' in declaration ? declaration.sortKey.name : undefined) &&
          JSON.stringify(indexNames) === JSON.stringify(declaration.indexes.map((index) => index.name))
        );
      });
      expect(match, declaration.description).toBeDefined();
      const table = props(match![1]);
      expect(table.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() });
      if ('ttlAttribute' in declaration) {
        expect(table.TimeToLiveSpecification).toEqual({ AttributeName: declaration.ttlAttribute, Enabled: true });
      } else {
        expect(table.TimeToLiveSpecification).toBeUndefined();
      }
      expect(table.TableName).toBeUndefined();
    }
    // Symmetric keys rotate; the tracking key is an HMAC key, which KMS cannot rotate (and must
    // not: old links must keep verifying).
    for (const [, key] of resourcesOf(dev.stateful, 'AWS::KMS::Key')) {
      if (props(key).KeySpec === 'HMAC_256') expect(props(key).KeyUsage).toBe('GENERATE_VERIFY_MAC');
      else expect(props(key).EnableKeyRotation).toBe(true);
    }
  });

  it('retains tables and buckets in a production stage and lets a dev stage be deleted', () => {
    for (const [, table] of resourcesOf(prod.stateful, 'AWS::DynamoDB::Table')) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(props(table).DeletionProtectionEnabled).toBe(true);
    }
    for (const [, bucket] of resourcesOf(prod.stateful, 'AWS::S3::Bucket')) expect(bucket.DeletionPolicy).toBe('Retain');
    for (const [, table] of resourcesOf(dev.stateful, 'AWS::DynamoDB::Table')) expect(table.DeletionPolicy).toBe('Delete');
  });

  it('blocks public access, enforces TLS, encrypts and logs every bucket', () => {
    const found = resourcesOf(dev.stateful, 'AWS::S3::Bucket');
    expect(found).toHaveLength(Object.keys(buckets).length + 1); // + the logs bucket
    const logsBucketIds = found.filter(([, bucket]) => !props(bucket).LoggingConfiguration).map(([id]) => id);
    expect(logsBucketIds).toHaveLength(1);
    for (const [id, bucket] of found) {
      const bucketProps = props(bucket);
      expect(bucketProps.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucketProps.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(/^(aws:kms|AES256)$/);
      expect(denyInsecureTransport(bucketPolicyFor(dev.stateful, id)), id).toBe(true);
      expect(bucketProps.BucketName).toBeUndefined();
      if (id !== logsBucketIds[0]) {
        expect(bucketProps.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logsBucketIds[0] });
      }
    }
  });

  it('expires objects after the manifest\'s days and allows browser uploads from the console only', () => {
    for (const [name, declaration] of Object.entries(buckets)) {
      const [, bucket] = resourcesOf(dev.stateful, 'AWS::S3::Bucket').find(([id]) => id.startsWith(`${name[0]!.toUpperCase()}${name.slice(1)}Bucket`))!;
      const rules = props(bucket).LifecycleConfiguration.Rules as { ExpirationInDays?: number }[];
      const expiry = rules.find((rule) => rule.ExpirationInDays !== undefined)?.ExpirationInDays;
      expect(expiry, name).toBe('expireAfterDays' in declaration ? declaration.expireAfterDays : undefined);
      const cors = props(bucket).CorsConfiguration;
      if ('browserUploads' in declaration && declaration.browserUploads) {
        expect(cors.CorsRules[0].AllowedMethods).toContain('PUT');
        // The console's CloudFront origin, imported from the console stack, never '*'.
        expect(JSON.stringify(cors.CorsRules[0].AllowedOrigins)).toContain('Fn::ImportValue');
      } else {
        expect(cors, name).toBeUndefined();
      }
    }
  });
});

describe('messaging stack', () => {
  it('gives every manifest queue a dead-letter queue with the manifest\'s redrive count, encryption and TLS-only access', () => {
    const all = resourcesOf(dev.messaging, 'AWS::SQS::Queue');
    expect(all).toHaveLength(Object.keys(queues).length * 2);
    for (const [name, declaration] of Object.entries(queues)) {
      const id = `${name[0]!.toUpperCase()}${name.slice(1)}`;
      const [, queue] = all.find(([logicalId]) => logicalId.startsWith(`${id}Queue`))!;
      const [dlqId] = all.find(([logicalId]) => logicalId.startsWith(`${id}Dlq`))!;
      expect(props(queue).RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: declaration.maxReceiveCount,
      });
      expect(props(queue).VisibilityTimeout).toBe(declaration.visibilityTimeoutSeconds);
      expect(props(queue).MessageRetentionPeriod).toBe(declaration.retentionDays * 86_400);
      expect(props(queue).QueueName).toBeUndefined();
    }
    for (const [id, queue] of all) {
      expect(props(queue).SqsManagedSseEnabled ?? props(queue).KmsMasterKeyId, id).toBeTruthy();
      const policies = resourcesOf(dev.messaging, 'AWS::SQS::QueuePolicy').filter(([, policy]) =>
        (props(policy).Queues as unknown[]).some((ref: any) => ref.Ref === id),
      );
      const statements = policies.flatMap(([, policy]) => props(policy).PolicyDocument.Statement as any[]);
      expect(denyInsecureTransport(statements), id).toBe(true);
    }
  });

  it('alarms on each dead-letter queue at the manifest\'s threshold', () => {
    const alarms = resourcesOf(dev.messaging, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(Object.keys(queues).length);
    for (const [name, declaration] of Object.entries(queues)) {
      const id = `${name[0]!.toUpperCase()}${name.slice(1)}`;
      const [dlqId] = resourcesOf(dev.messaging, 'AWS::SQS::Queue').find(([logicalId]) => logicalId.startsWith(`${id}Dlq`))!;
      const alarm = alarms.find(([, candidate]) =>
        JSON.stringify(props(candidate).Dimensions).includes(dlqId),
      );
      expect(alarm, name).toBeDefined();
      expect(props(alarm![1])).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: declaration.dlqAlarmThreshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [expect.anything()],
      });
    }
  });

  it('sends SES sends, rejects, bounces, complaints and deliveries to an encrypted, TLS-only topic', () => {
    dev.messaging.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals(['send', 'reject', 'bounce', 'complaint', 'delivery']),
        SnsDestination: { TopicARN: { Ref: Match.stringLikeRegexp('^SesNotificationsTopic') } },
      }),
    });
    for (const [, topic] of resourcesOf(dev.messaging, 'AWS::SNS::Topic')) expect(props(topic).KmsMasterKeyId).toBeDefined();
    const topicPolicies = resourcesOf(dev.messaging, 'AWS::SNS::TopicPolicy').flatMap(([, policy]) => props(policy).PolicyDocument.Statement as any[]);
    expect(denyInsecureTransport(topicPolicies)).toBe(true);
    expect(topicPolicies.some((statement) => statement.Principal?.Service === 'ses.amazonaws.com' && statement.Action === 'sns:Publish')).toBe(true);
  });
});

describe('auth stack', () => {
  it('signs in by e-mail with a strong password, carries workspace and department, and offers MFA', () => {
    dev.auth.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      MfaConfiguration: 'OPTIONAL',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireNumbers: true, RequireUppercase: true, RequireLowercase: true }) },
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'workspaceId', AttributeDataType: 'String' }),
        Match.objectLike({ Name: 'departmentId', AttributeDataType: 'String' }),
      ]),
    });
    // Production-like stages pay for threat protection.
    prod.auth.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolTier: 'PLUS', UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' } });
  });

  it('has exactly one group per role', () => {
    const names = resourcesOf(dev.auth, 'AWS::Cognito::UserPoolGroup').map(([, group]) => props(group).GroupName).sort();
    expect(names).toEqual([...roles].sort());
  });

  it('gives the console a secretless client that can use USER_PASSWORD_AUTH but cannot rewrite its own workspace', () => {
    const [[, client]] = resourcesOf(dev.auth, 'AWS::Cognito::UserPoolClient') as [[string, Resource]];
    expect(props(client).GenerateSecret).toBe(false);
    expect(props(client).ExplicitAuthFlows).toContain('ALLOW_USER_PASSWORD_AUTH');
    expect(props(client).WriteAttributes).not.toContain('custom:workspaceId');
    expect(props(client).WriteAttributes).not.toContain('custom:departmentId');
    expect(props(client).ReadAttributes).toContain('custom:workspaceId');
  });
});

describe('api stack', () => {
  const methodsByRoute = () => {
    const resources = dev.api.findResources('AWS::ApiGateway::Resource');
    const pathOf = (ref: any): string => {
      if (ref['Fn::GetAtt']) return ''; // the API's root resource
      const resource = resources[ref.Ref as string]!;
      return `${pathOf(props(resource).ParentId)}/${props(resource).PathPart}`;
    };
    return resourcesOf(dev.api, 'AWS::ApiGateway::Method').map(([, method]) => ({
      method: props(method),
      key: `${props(method).HttpMethod} ${pathOf(props(method).ResourceId) || '/'}`,
    }));
  };

  it('has one method per route, all proxied to the api function, the authorizer on exactly the non-public ones', () => {
    const methods = methodsByRoute().filter((entry) => entry.method.HttpMethod !== 'OPTIONS');
    expect(methods.map((entry) => entry.key).sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    for (const route of routes) {
      const { method } = methods.find((entry) => entry.key === `${route.method} ${route.path}`)!;
      expect(method.Integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(method.Integration.Uri)).toContain('ApiFunction');
      expect(method.OperationName).toBe(route.operationId);
      if (route.access === 'public') {
        expect(method.AuthorizationType, route.path).toBe('NONE');
        expect(method.AuthorizerId).toBeUndefined();
      } else {
        expect(method.AuthorizationType, route.path).toBe('CUSTOM');
        expect(method.AuthorizerId, route.path).toEqual({ Ref: expect.stringMatching(/^Authorizer/) });
      }
      expect(method.ApiKeyRequired ?? false, route.path).toBe(isPartnerCallable(route));
    }
  });

  it('uses a REQUEST authorizer with caching off, and takes API keys from it', () => {
    dev.api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: 'method.request.header.Authorization',
    });
    dev.api.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    dev.api.resourceCountIs('AWS::ApiGateway::UsagePlan', 1);
  });

  it('logs access as JSON, traces, meters and throttles the stage', () => {
    const [[, stage]] = resourcesOf(dev.api, 'AWS::ApiGateway::Stage') as [[string, Resource]];
    const stageProps = props(stage);
    expect(stageProps.TracingEnabled).toBe(true);
    expect(stageProps.AccessLogSetting.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AccessLogs/), 'Arn'] });
    const format = JSON.parse(stageProps.AccessLogSetting.Format as string) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(stageProps.MethodSettings).toEqual([
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', MetricsEnabled: true, DataTraceEnabled: false, ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 }),
    ]);
    dev.api.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });

  it('answers gateway errors as problem+json for the console origin', () => {
    const responses = resourcesOf(dev.api, 'AWS::ApiGateway::GatewayResponse').map(([, response]) => props(response));
    expect(responses.map((response) => response.ResponseType).sort()).toEqual(['ACCESS_DENIED', 'DEFAULT_4XX', 'DEFAULT_5XX', 'THROTTLED', 'UNAUTHORIZED']);
    for (const response of responses) {
      expect(response.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/problem+json'");
      const template = response.ResponseTemplates['application/json'] as string;
      expect(template).toContain('"type":"about:blank"');
      expect(template).toContain('$context.error.messageString');
    }
  });

  it('allows CORS preflight from the console origin only', () => {
    const options = methodsByRoute().filter((entry) => entry.method.HttpMethod === 'OPTIONS');
    expect(options.length).toBeGreaterThan(0);
    for (const { method } of options) {
      const origin = JSON.stringify(method.Integration.IntegrationResponses[0].ResponseParameters['method.response.header.Access-Control-Allow-Origin']);
      expect(origin).toContain('Fn::ImportValue');
      expect(origin).not.toContain("'*'");
    }
  });

  it('gives the api and authorizer functions the contract\'s environment and nothing broader than they need', () => {
    const functions = resourcesOf(dev.api, 'AWS::Lambda::Function').map(([id, fn]) => ({ id, fn: props(fn) }));
    const api = functions.find((entry) => entry.id.startsWith('ApiFunction'))!.fn;
    const authorizer = functions.find((entry) => entry.id.startsWith('AuthorizerFunction'))!.fn;
    for (const fn of [api, authorizer]) {
      expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(fn.Environment.Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        PIGEON_RUNTIME: 'aws',
        PIGEON_STAGE: 'dev',
        POWERTOOLS_SERVICE_NAME: expect.any(String),
        JWT_ISSUER: expect.anything(),
        JWT_AUDIENCE: expect.anything(),
        JWKS_URL: expect.anything(),
        TABLE_IDENTITY: expect.anything(),
        TABLE_IDEMPOTENCY: expect.anything(),
      });
    }
    expect(Object.keys(api.Environment.Variables)).toEqual(
      expect.arrayContaining(['TABLE_CONTACTS', 'COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'API_KEYS_KMS_KEY_ID', 'REST_API_ID', 'REST_API_STAGE', 'CONSOLE_ORIGIN']),
    );
    expect(api.Environment.Variables.REST_API_ID).toEqual({ Ref: expect.stringMatching(/^Api/) });
    expect(authorizer.Environment.Variables.TABLE_CONTACTS).toBeUndefined();

    const statements = (rolePrefix: string): any[] =>
      resourcesOf(dev.api, 'AWS::IAM::Policy')
        .filter(([, policy]) => JSON.stringify(props(policy).Roles).includes(rolePrefix))
        .flatMap(([, policy]) => props(policy).PolicyDocument.Statement as any[]);
    const actions = (rolePrefix: string): string[] => statements(rolePrefix).flatMap((statement) => [statement.Action].flat());
    // The authorizer reads identity but cannot write it; only the api function administers Cognito.
    const authorizerIdentity = statements('AuthorizerFunction').filter((statement) => JSON.stringify(statement.Resource).includes('IdentityTable'));
    expect(authorizerIdentity.flatMap((statement) => [statement.Action].flat())).not.toContain('dynamodb:PutItem');
    expect(actions('AuthorizerFunction')).toContain('kms:Decrypt');
    expect(actions('AuthorizerFunction').some((action) => action.startsWith('cognito-idp:'))).toBe(false);
    expect(actions('ApiFunction')).toEqual(expect.arrayContaining(['cognito-idp:AdminCreateUser', 'kms:Encrypt', 'apigateway:POST', 'apigateway:DELETE']));
    expect(actions('ApiFunction').some((action) => action === '*' || action.endsWith(':*'))).toBe(false);
  });
});

describe('analytics stack', () => {
  it('delivers events into the lake by date, with an error prefix', () => {
    dev.analytics.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamEncryptionConfigurationInput: Match.anyValue(),
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'events/dt=!{timestamp:yyyy-MM-dd}/',
        ErrorOutputPrefix: Match.stringLikeRegexp('^errors/'),
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: Match.anyValue() } },
      }),
    });
  });

  it('describes the events as a Glue table with partition projection on dt', () => {
    const [[, table]] = resourcesOf(dev.analytics, 'AWS::Glue::Table') as [[string, Resource]];
    const input = props(table).TableInput;
    expect(input.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
    });
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain('events/dt=${dt}/');
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    // The same columns as the lake's event lines and the sandbox's DuckDB views (shared/lake/event.ts).
    expect((input.StorageDescriptor.Columns as { Name: string; Type: string }[]).map((column) => [column.Name, column.Type])).toEqual(
      lakeEventColumns.map(([name, type]) => [name, type]),
    );
  });

  it('limits Athena queries in an enforced workgroup writing results to the reports bucket', () => {
    const [[, workGroup]] = resourcesOf(dev.analytics, 'AWS::Athena::WorkGroup') as [[string, Resource]];
    const config = props(workGroup).WorkGroupConfiguration;
    expect(config.EnforceWorkGroupConfiguration).toBe(true);
    expect(config.BytesScannedCutoffPerQuery).toBe(10 * 1024 ** 3);
    expect(JSON.stringify(config.ResultConfiguration.OutputLocation)).toContain('Fn::ImportValue');
    expect(JSON.stringify(config.ResultConfiguration.OutputLocation)).toContain('athena-results/');
    expect(templates(build({ stage: 'dev', athenaScanLimitGb: 1 }).stacks).analytics.findResources('AWS::Athena::WorkGroup')).toSatisfy(
      (found: Record<string, Resource>) => props(Object.values(found)[0]!).WorkGroupConfiguration.BytesScannedCutoffPerQuery === 1024 ** 3,
    );
  });
});

describe('scheduling stack', () => {
  it('has a schedule group and a role only EventBridge Scheduler of this account may assume', () => {
    dev.scheduling.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    const [[, role]] = resourcesOf(dev.scheduling, 'AWS::IAM::Role') as [[string, Resource]];
    const [statement] = props(role).AssumeRolePolicyDocument.Statement;
    expect(statement.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(statement.Condition.StringEquals['aws:SourceAccount']).toBeDefined();
  });
});

describe('console stacks', () => {
  it('serves a private bucket through CloudFront with origin access control, HTTPS and security headers', () => {
    const [[, distribution]] = resourcesOf(dev.console, 'AWS::CloudFront::Distribution') as [[string, Resource]];
    const config = props(distribution).DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
    expect(config.Origins[0].OriginAccessControlId).toBeDefined();
    expect(config.CustomErrorResponses).toEqual(
      expect.arrayContaining([expect.objectContaining({ ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html' })]),
    );
    dev.console.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    dev.console.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({ StrictTransportSecurity: Match.objectLike({ Override: true }) }),
      }),
    });
    for (const [, bucket] of resourcesOf(dev.console, 'AWS::S3::Bucket')) {
      expect(props(bucket).PublicAccessBlockConfiguration.BlockPublicPolicy).toBe(true);
    }
  });

  it('writes config.json with the API URL and the stage', () => {
    const { stacks } = build({ stage: 'dev' });
    expect(stacks.consoleContent.deployment).toBeDefined();
    const content = templates(stacks).consoleContent;
    const [[, deployment]] = resourcesOf(content, 'Custom::CDKBucketDeployment') as [[string, Resource]];
    const markers = JSON.stringify(props(deployment).SourceMarkers ?? props(deployment).SourceMarkersConfig ?? {});
    expect(markers).toContain('Fn::ImportValue'); // the API URL comes from the API stack
    expect(props(deployment).DistributionPaths).toEqual(['/*']);
  });
});
