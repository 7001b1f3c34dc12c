/**
 * The app as a whole: stack naming, two stages side by side, and cdk-nag's AwsSolutions pack with
 * nothing unexplained (the synth fails on any unacknowledged finding, and every acknowledgement
 * carries its reason).
 */
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { PigeonNagChecks } from '../../infra/aws/nag';
import { build } from './helpers';

const PARTS = ['Console', 'Stateful', 'Messaging', 'Auth', 'Api', 'Analytics', 'Scheduling', 'ConsoleContent', 'Tracking', 'Reports'];
/** Properties that would fix a physical name (and so stop a second stage from deploying). */
const NAME_PROPERTIES = /^(TableName|BucketName|QueueName|TopicName|FunctionName|RoleName|LogGroupName|UserPoolName|ClientName|RestApiName|KeyName|AliasName|DeliveryStreamName|ConfigurationSetName|Name)$/;

function literalNames(template: Template): string[] {
  const names: string[] = [];
  for (const [id, resource] of Object.entries(template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)) {
    for (const [key, value] of Object.entries(resource.Properties ?? {})) {
      if (NAME_PROPERTIES.test(key) && typeof value === 'string') names.push(`${resource.Type} ${id}.${key}=${value}`);
    }
    // Glue's names sit inside DatabaseInput.
    const input = (resource.Properties?.DatabaseInput as { Name?: unknown } | undefined)?.Name;
    if (typeof input === 'string') names.push(`${resource.Type} ${id}.DatabaseInput.Name=${input}`);
  }
  return names;
}

describe('the CDK app', () => {
  it('names its stacks Pigeon-<stage>-<Part> and leaves physical names to CloudFormation, so two stages deploy side by side', () => {
    const a = build({ stage: 'alpha' }).stacks;
    const b = build({ stage: 'beta' }).stacks;
    const stacksOf = (stacks: typeof a) => [stacks.console, stacks.stateful, stacks.messaging, stacks.auth, stacks.api, stacks.analytics, stacks.scheduling, stacks.consoleContent, stacks.tracking, stacks.reports];
    expect(stacksOf(a).map((stack) => stack.stackName)).toEqual(PARTS.map((part) => `Pigeon-alpha-${part}`));

    // Names that only need to be unique inside their API may repeat; every other literal name
    // (Glue and Athena require one; CDK derives the schedule group's from the stack; the tracking
    // function finds its base URL's parameter by name) must not.
    const scopedToApi = /^AWS::ApiGateway::(RestApi|Authorizer) /;
    const valueOf = (name: string) => name.slice(name.indexOf('=') + 1);
    const namesA = stacksOf(a).flatMap((stack) => literalNames(Template.fromStack(stack))).filter((name) => !scopedToApi.test(name));
    const valuesB = new Set(stacksOf(b).flatMap((stack) => literalNames(Template.fromStack(stack))).map(valueOf));
    expect(namesA.map((name) => name.split(' ')[0]).sort()).toEqual(['AWS::Athena::WorkGroup', 'AWS::Glue::Database', 'AWS::SSM::Parameter', 'AWS::Scheduler::ScheduleGroup']);
    for (const name of namesA) expect(valuesB.has(valueOf(name)), name).toBe(false);
  });

  it('rejects a stage name that cannot be part of resource names', () => {
    expect(() => build({ stage: 'Prod_1' })).toThrow(/Stage "Prod_1"/);
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged error or warning, env-agnostic and with an account and region', () => {
    for (const env of [undefined, { account: '123456789012', region: 'ap-northeast-1' }]) {
      const { app } = build({ stage: 'dev' }, { nag: true, ...(env ? { env } : {}) });
      expect(() => app.synth()).not.toThrow();
      const report = new PigeonNagChecks().validateScope(app);
      expect(report.violations.map((violation) => `${violation.ruleName} ${violation.violatingResources[0]?.constructPath}`)).toEqual([]);
    }
  });

  it('fails the synth when a resource breaks an AwsSolutions rule nobody acknowledged', () => {
    const { app, stacks } = build({ stage: 'dev' }, { nag: true });
    new s3.Bucket(stacks.stateful, 'Careless'); // no access logs, no TLS enforcement
    expect(() => app.synth()).toThrow(/AwsSolutions-S1'/);
  });

  it('gives every acknowledged finding a reason', () => {
    const { app } = build({ stage: 'dev' }, { nag: true });
    app.synth();
    const acknowledgements = app.node
      .findAll()
      .flatMap((node) => node.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledgements.length).toBeGreaterThan(10);
    for (const [id, reason] of acknowledgements) expect(reason.length, id).toBeGreaterThan(20);
  });

  it('deploys only config.json, with a warning, when the console has not been built', () => {
    const { stacks } = build({ stage: 'dev' }, { consoleDistDir: '/nonexistent/console/dist' });
    expect(stacks.consoleContent.consoleBuilt).toBe(false);
    const warnings = stacks.consoleContent.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning');
    expect(JSON.stringify(warnings)).toContain('console:build');
    const [deployment] = Object.values(Template.fromStack(stacks.consoleContent).findResources('Custom::CDKBucketDeployment'));
    expect(deployment!.Properties.SourceObjectKeys).toHaveLength(1);
    expect(deployment!.Properties.Prune).toBe(false);
  });
});
