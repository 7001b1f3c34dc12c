/**
 * The exports stack as CloudFormation will see it: the worker on Node 22 arm64 with the
 * manifest's timeout, draining exportJobs one message at a time with partial batch failures,
 * granted Queries on contacts (never Scan), jobs, the reports bucket and its queue, and clean
 * under cdk-nag's AwsSolutions checks.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PigeonNagChecks } from '../../infra/aws/nag';
import { describe, expect, it } from 'vitest';
import { functions } from '../../infra/manifest';
import { build } from './helpers';

describe('exports stack', () => {
  const { stacks } = build();
  const template = Template.fromStack(stacks.exports);

  it('is its own stack, named by stage', () => {
    expect(stacks.exports.stackName).toBe(`Pigeon-${stacks.stage.name}-Exports`);
  });

  it('runs the worker with the manifest settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: functions.exportWorker.timeoutSeconds,
      MemorySize: functions.exportWorker.memoryMb,
      Environment: { Variables: Match.objectLike({ TABLE_CONTACTS: Match.anyValue(), TABLE_JOBS: Match.anyValue(), BUCKET_REPORTS: Match.anyValue(), QUEUE_EXPORT_JOBS_URL: Match.anyValue() }) },
    });
  });

  it('drains exportJobs one message at a time, reporting failed items only', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('grants what the manifest declares and no Scan', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('dynamodb:Query');
    expect(policies).not.toContain('dynamodb:Scan');
    expect(policies).toContain('s3:PutObject');
    expect(policies).toContain('s3:AbortMultipartUpload');
    expect(policies).toContain('sqs:SendMessage');
    expect(policies).toContain('sqs:ReceiveMessage');
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged for a reason', () => {
    const { app, stacks: nagged } = build({}, { nag: true });
    expect(() => app.synth()).not.toThrow();
    const report = new PigeonNagChecks().validateScope(app);
    const here = report.violations.filter((v) => v.violatingResources.some((r) => r.constructPath?.startsWith(nagged.exports.node.path)));
    expect(here.map((v) => v.ruleName)).toEqual([]);
  });
});
