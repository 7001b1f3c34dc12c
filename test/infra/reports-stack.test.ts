/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped CloudFormation JSON */
/**
 * The reports stack as CloudFormation will see it: the report worker draining reportJobs one
 * message at a time with partial batch failures, allowed to run Athena only in the stage's
 * workgroup, to read only the lake's events/ objects and to write only athena-results/ for Athena
 * (besides the reports bucket the manifest gives it), with the CJK font layer; the API function
 * carrying the same font; the hourly dispatch sweep on the manifest's schedule; alarms; cdk-nag clean.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCjkFontLayer } from '../../layers/cjk-fonts/build';
import { functions, queues, schedules } from '../../infra/manifest';
import { PigeonNagChecks } from '../../infra/aws/nag';
import { CJK_FONT_PATH } from '../../infra/aws/stacks/reports-stack';
import { build, resourcesOf, templates, type Built, type Templates } from './helpers';

let built: Built;
let t: Templates;

beforeAll(() => {
  built = build({ stage: 'dev' });
  t = templates(built.stacks);
});

const props = (resource: { Properties?: Record<string, unknown> }): Record<string, any> => resource.Properties ?? {};

function functionByPrefix(template: Template, prefix: string): [string, Record<string, any>] {
  const found = resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
  expect(found, prefix).toHaveLength(1);
  return [found[0]![0], props(found[0]![1])];
}

function statementsOf(template: Template, rolePrefix: string): any[] {
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(props(policy).Roles).includes(rolePrefix))
    .flatMap(([, policy]) => props(policy).PolicyDocument.Statement as any[]);
}

const actionsOf = (statement: any): string[] => [statement.Action].flat();
const resourcesOfStatement = (statement: any): string[] => [statement.Resource].flat().map((resource) => JSON.stringify(resource));
const workerStatements = () => statementsOf(t.reports, 'ReportWorkerFunction');

describe('report worker', () => {
  it('runs with the manifest\'s memory and timeout on Node 22 arm64', () => {
    const [, fn] = functionByPrefix(t.reports, 'ReportWorkerFunction');
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: functions.reportWorker.memoryMb, Timeout: functions.reportWorker.timeoutSeconds });
  });

  it('drains reportJobs one message at a time, reporting failed items only', () => {
    const mappings = resourcesOf(t.reports, 'AWS::Lambda::EventSourceMapping').map(([, mapping]) => props(mapping));
    expect(mappings).toHaveLength(1);
    const [mapping] = mappings;
    expect(queues.reportJobs.consumerBatchSize).toBe(1);
    expect(mapping).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(mapping!.FunctionName).toEqual({ Ref: expect.stringMatching(/^ReportWorkerFunction/) });
    expect(JSON.stringify(mapping!.EventSourceArn)).toMatch(/Pigeon-dev-Messaging:ExportsOutputFnGetAttReportJobsQueue.*Arn/);
    // Its visibility covers one whole run of the worker.
    expect(queues.reportJobs.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(functions.reportWorker.timeoutSeconds);
  });

  it('knows the workgroup, the database and where the font is', () => {
    const [, fn] = functionByPrefix(t.reports, 'ReportWorkerFunction');
    expect(fn.Environment.Variables).toMatchObject({
      ATHENA_WORKGROUP: 'pigeon-dev',
      ATHENA_DATABASE: 'pigeon_dev',
      CJK_FONT_PATH,
      PIGEON_RUNTIME: 'aws',
    });
    expect(Object.keys(fn.Environment.Variables)).toEqual(
      expect.arrayContaining(['QUEUE_REPORT_JOBS_URL', 'TABLE_JOBS', 'TABLE_CAMPAIGNS', 'TABLE_ENGAGEMENT', 'BUCKET_REPORTS', 'SES_CONFIGURATION_SET']),
    );
    // The same names the analytics stack gives the workgroup and the database.
    const [[, workGroup]] = resourcesOf(t.analytics, 'AWS::Athena::WorkGroup') as [[string, { Properties: Record<string, any> }]];
    expect(props(workGroup).Name).toBe(fn.Environment.Variables.ATHENA_WORKGROUP);
    t.analytics.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: fn.Environment.Variables.ATHENA_DATABASE } });
  });

  it('may run Athena only in the stage\'s workgroup', () => {
    const athena = workerStatements().filter((statement) => actionsOf(statement).some((action) => action.startsWith('athena:')));
    expect(athena).toHaveLength(1);
    expect(actionsOf(athena[0]).sort()).toEqual(['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:GetWorkGroup', 'athena:StartQueryExecution', 'athena:StopQueryExecution']);
    const resources = resourcesOfStatement(athena[0]);
    expect(resources).toHaveLength(1);
    expect(resources[0]).toMatch(/:athena:.*:workgroup\/pigeon-dev"/);
    expect(resources[0]).not.toContain('*');
  });

  it('may read the Glue catalog, the lake\'s database and its events table only', () => {
    const glue = workerStatements().filter((statement) => actionsOf(statement).some((action) => action.startsWith('glue:')));
    expect(glue).toHaveLength(1);
    expect(actionsOf(glue[0]).sort()).toEqual(['glue:GetDatabase', 'glue:GetPartition', 'glue:GetPartitions', 'glue:GetTable']);
    const resources = resourcesOfStatement(glue[0]);
    expect(resources).toHaveLength(3);
    expect(resources.find((resource) => resource.includes(':catalog"'))).toBeDefined();
    expect(resources.find((resource) => resource.includes(':database/pigeon_dev"'))).toBeDefined();
    expect(resources.find((resource) => resource.includes(':table/pigeon_dev/events"'))).toBeDefined();
    for (const resource of resources) expect(resource).not.toContain('*');
  });

  it('reads only the events/ prefix of the lake and never writes to it', () => {
    const onLake = workerStatements().filter((statement) => resourcesOfStatement(statement).some((resource) => resource.includes('LakeBucket')));
    const objects = onLake.filter((statement) => resourcesOfStatement(statement).some((resource) => resource.includes('/')));
    expect(objects).toHaveLength(1);
    expect(actionsOf(objects[0])).toEqual(['s3:GetObject']);
    expect(resourcesOfStatement(objects[0])).toHaveLength(1);
    expect(resourcesOfStatement(objects[0])[0]).toMatch(/LakeBucket.*"\/events\/\*"/);
    const bucketLevel = onLake.filter((statement) => statement !== objects[0]);
    expect(bucketLevel.flatMap(actionsOf).sort()).toEqual(['s3:GetBucketLocation', 's3:ListBucket']);
    for (const statement of onLake) expect(actionsOf(statement).some((action) => /Put|Delete/.test(action))).toBe(false);
  });

  it('gives Athena (as the worker) only athena-results/ in the reports bucket', () => {
    const results = workerStatements().filter((statement) => resourcesOfStatement(statement).some((resource) => resource.includes('/athena-results/*')));
    expect(results).toHaveLength(1);
    expect(actionsOf(results[0])).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload']));
    expect(actionsOf(results[0])).not.toContain('s3:DeleteObject');
    expect(resourcesOfStatement(results[0])).toHaveLength(1);
    expect(resourcesOfStatement(results[0])[0]).toMatch(/ReportsBucket.*"\/athena-results\/\*"/);
    const location = workerStatements().find((statement) => actionsOf(statement).includes('s3:GetBucketLocation') && JSON.stringify(statement.Resource).includes('ReportsBucket'));
    expect(location).toBeDefined();
    // Results and the lake are SSE-KMS with the data key.
    const kms = workerStatements().filter((statement) => JSON.stringify(statement.Resource).includes('DataKey'));
    expect(kms.flatMap(actionsOf)).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
  });

  it('has no wildcard action and no resource wider than a prefix of a named bucket', () => {
    const statements = workerStatements();
    expect(statements.flatMap(actionsOf).some((action) => action === '*' || action.endsWith(':*'))).toBe(false);
    for (const statement of statements) {
      for (const resource of resourcesOfStatement(statement)) {
        if (resource === '"*"') expect(actionsOf(statement).every((action) => action.startsWith('xray:')), JSON.stringify(statement)).toBe(true);
      }
    }
  });

  it('names the workgroup and table without importing from the analytics stack, which it deploys after', () => {
    expect(JSON.stringify(t.reports.toJSON())).not.toContain('Pigeon-dev-Analytics:');
    expect(built.stacks.reports.dependencies).toContain(built.stacks.analytics);
  });
});

describe('CJK font layer', () => {
  it('is attached to the report worker (arm64, Node 22) with CJK_FONT_PATH under /opt/fonts', () => {
    const [, fn] = functionByPrefix(t.reports, 'ReportWorkerFunction');
    const [[layerId, layer]] = resourcesOf(t.reports, 'AWS::Lambda::LayerVersion') as [[string, { Properties: Record<string, any> }]];
    expect(fn.Layers).toEqual([{ Ref: layerId }]);
    expect(props(layer)).toMatchObject({ CompatibleArchitectures: ['arm64'], CompatibleRuntimes: ['nodejs22.x'] });
    expect(CJK_FONT_PATH).toMatch(/^\/opt\/fonts\/[^/]+\.(otf|ttf|ttc)$/);
    expect(fn.Environment.Variables.CJK_FONT_PATH).toBe(CJK_FONT_PATH);
  });

  it('is on the api function too, from the same asset', () => {
    const [, api] = functionByPrefix(t.api, 'ApiFunction');
    const [[apiLayerId, apiLayer]] = resourcesOf(t.api, 'AWS::Lambda::LayerVersion') as [[string, { Properties: Record<string, any> }]];
    expect(api.Layers).toEqual([{ Ref: apiLayerId }]);
    expect(api.Environment.Variables.CJK_FONT_PATH).toBe(CJK_FONT_PATH);
    const [[, reportsLayer]] = resourcesOf(t.reports, 'AWS::Lambda::LayerVersion') as [[string, { Properties: Record<string, any> }]];
    expect(props(apiLayer).Content.S3Key).toEqual(props(reportsLayer).Content.S3Key);
    // The authorizer renders nothing.
    const [, authorizer] = functionByPrefix(t.api, 'AuthorizerFunction');
    expect(authorizer.Layers).toBeUndefined();
  });

  it('packages the font file CJK_FONT_PATH names', () => {
    const layer = ensureCjkFontLayer();
    expect(existsSync(join(layer.directory, basename(CJK_FONT_PATH)))).toBe(true);
    expect(layer.files.map((file) => file.name)).toContain(basename(CJK_FONT_PATH));
  });
});

describe('hourly report dispatch', () => {
  it('runs reportDispatch on the manifest\'s schedule', () => {
    const rules = (resourcesOf(t.reports, 'AWS::Events::Rule') as [string, { Properties: Record<string, any> }][]).filter(([, rule]) => props(rule).ScheduleExpression);
    expect(rules).toHaveLength(1);
    const rule = props(rules[0]![1]);
    expect(schedules.reportDispatch.expression).toBe('cron(0 * * * ? *)');
    expect(rule.ScheduleExpression).toBe(schedules.reportDispatch.expression);
    const [target] = rule.Targets as any[];
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ReportDispatchFunction/), 'Arn'] });
    expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ScheduleFailures/), 'Arn'] });
    const permissions = resourcesOf(t.reports, 'AWS::Lambda::Permission').map(([, permission]) => props(permission));
    expect(permissions.find((permission) => permission.Principal === 'events.amazonaws.com' && JSON.stringify(permission.FunctionName).includes('ReportDispatchFunction'))).toBeDefined();
  });

  it('queues report work and reads no lake', () => {
    const [, fn] = functionByPrefix(t.reports, 'ReportDispatchFunction');
    expect(fn).toMatchObject({ MemorySize: functions.reportDispatch.memoryMb, Timeout: functions.reportDispatch.timeoutSeconds });
    expect(Object.keys(fn.Environment.Variables)).toEqual(expect.arrayContaining(['TABLE_JOBS', 'QUEUE_REPORT_JOBS_URL']));
    expect(fn.Environment.Variables.ATHENA_WORKGROUP).toBeUndefined();
    expect(fn.Layers).toBeUndefined();
    const actions = statementsOf(t.reports, 'ReportDispatchFunction').flatMap(actionsOf);
    expect(actions).toContain('sqs:SendMessage');
    expect(actions.some((action) => action.startsWith('athena:') || action.startsWith('s3:'))).toBe(false);
  });

  it('creates every manifest schedule exactly once in the app', () => {
    const all = Object.values(t).flatMap((template) =>
      (resourcesOf(template, 'AWS::Events::Rule') as [string, { Properties: Record<string, any> }][]).map(([, rule]) => props(rule)).filter((rule) => rule.ScheduleExpression),
    );
    expect(all.map((rule) => rule.ScheduleExpression).sort()).toEqual(Object.values(schedules).map((schedule) => schedule.expression).sort());
    for (const schedule of Object.values(schedules)) {
      const rule = all.find((candidate) => candidate.ScheduleExpression === schedule.expression)!;
      const logicalPrefix = `${schedule.function[0]!.toUpperCase()}${schedule.function.slice(1)}Function`;
      expect(JSON.stringify(rule.Targets), schedule.function).toContain(logicalPrefix);
    }
  });
});

describe('report alarms', () => {
  it('alarms on worker errors and failed sweeps, to the alarm topic; reportJobs\' dead-letter queue has its own', () => {
    const alarms = resourcesOf(t.reports, 'AWS::CloudWatch::Alarm').map(([, alarm]) => props(alarm));
    expect(alarms.find((alarm) => alarm.MetricName === 'Errors' && JSON.stringify(alarm.Dimensions).includes('ReportWorkerFunction'))).toBeDefined();
    expect(alarms.find((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(alarm.Dimensions).includes('ScheduleFailures'))).toBeDefined();
    for (const alarm of alarms) expect(JSON.stringify(alarm.AlarmActions)).toContain('Pigeon-dev-Messaging:');
    const dlqAlarms = resourcesOf(t.messaging, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('ReportJobsDlqAlarm'));
    expect(dlqAlarms).toHaveLength(1);
  });
});

describe('reports stack under cdk-nag', () => {
  it('has no unacknowledged AwsSolutions finding', () => {
    const { app, stacks } = build({ stage: 'dev' }, { nag: true });
    expect(() => app.synth()).not.toThrow();
    const report = new PigeonNagChecks().validateScope(app);
    const paths = [stacks.reports.node.path, stacks.api.node.path];
    const here = report.violations.filter((v) => v.violatingResources.some((r) => paths.some((p) => r.constructPath?.startsWith(p))));
    expect(here.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);

    // Each of the worker's wildcards is acknowledged for its own reason, not by a broader pattern.
    const acknowledged = stacks.reports.workerFunction.node
      .findAll()
      .flatMap((node) => node.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    const reasonFor = (finding: RegExp) => acknowledged.find(([id]) => finding.test(id))?.[1];
    expect(reasonFor(/IAM5\[Resource::.*LakeBucket.*\/events\/\*\]$/)).toMatch(/events\//);
    expect(reasonFor(/IAM5\[Resource::.*ReportsBucket.*\/athena-results\/\*\]$/)).toMatch(/athena-results\//);
    expect(reasonFor(/IAM5\[Resource::.*ReportsBucket[^/]*\/\*\]$/)).toMatch(/reports bucket/);
    expect(reasonFor(/IAM5\[Resource::arn:.*:ses:.*:identity\/\*\]$/)).toMatch(/Sender identities/);
  });
});
