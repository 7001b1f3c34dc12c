/**
 * The delivery stack as CloudFormation will see it: the planner under its fixed name (schedules
 * target it) fed by campaignRuns and invocable by the Scheduler role; the mail worker on three
 * lanes with per-lane concurrency caps, sending only through the stage's configuration set and
 * deriving the tracking key with KMS; the SES notifications handler subscribed to the topic; the
 * configuration set publishing Send events; the API allowed to manage schedules in its group
 * only; and all of it clean under cdk-nag.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PigeonNagChecks } from '../../infra/aws/nag';
import { plannerFunctionName } from '../../infra/aws/stacks/delivery-stack';
import { functions, queues, type QueueDeclaration } from '../../infra/manifest';
import { build } from './helpers';

describe('delivery stack', () => {
  const { stacks } = build();
  const template = Template.fromStack(stacks.delivery);

  it('names the planner so the API can target it, and lets the Scheduler role invoke it', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: plannerFunctionName(stacks.stage.name), Timeout: functions.campaignPlanner.timeoutSeconds });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('lambda:InvokeFunction');
    const api = JSON.stringify(Template.fromStack(stacks.api).toJSON());
    expect(api).toContain('SCHEDULER_TARGET_CAMPAIGN_PLANNER_ARN');
    expect(api).toContain(plannerFunctionName(stacks.stage.name));
    expect(api).toContain('scheduler:CreateSchedule');
    expect(api).toContain('iam:PassRole');
  });

  it('drains the three mail lanes one part at a time, each lane capped at its own concurrency', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as { Properties: { BatchSize: number; ScalingConfig?: { MaximumConcurrency: number } } }[];
    const caps = mappings.map((m) => m.Properties.ScalingConfig?.MaximumConcurrency).filter((c): c is number => c !== undefined).sort((a, b) => a - b);
    expect(caps).toEqual([queues.mailLow, queues.mailBulk, queues.mailPriority].map((q) => Math.max(2, (q as QueueDeclaration).consumerConcurrency ?? 0)).sort((a, b) => a - b));
    // Three lanes plus campaignRuns, all with partial batch failures.
    expect(mappings).toHaveLength(4);
    template.allResourcesProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('sends only through the configuration set, and derives the tracking key with KMS', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['ses:SendEmail', 'ses:SendRawEmail'], Condition: { StringEquals: { 'ses:ConfigurationSetName': Match.anyValue() } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SES_CONFIGURATION_SET: Match.anyValue(), TRACKING_BASE_URL: Match.anyValue(), TRACKING_KMS_KEY_ID: Match.anyValue(), ASSETS_BASE_URL: Match.anyValue() }) },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toContain('kms:GenerateMac');
    Template.fromStack(stacks.stateful).hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  });

  it('subscribes the notifications handler to the SES topic, which receives Send events', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    Template.fromStack(stacks.messaging).hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({ MatchingEventTypes: Match.arrayWith(['send', 'bounce', 'complaint']) }),
    });
  });

  it('hosts e-mail assets behind CloudFront with origin access control', () => {
    Template.fromStack(stacks.stateful).resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged for a reason', () => {
    const { app, stacks: nagged } = build({}, { nag: true });
    expect(() => app.synth()).not.toThrow();
    const report = new PigeonNagChecks().validateScope(app);
    const paths = [nagged.delivery.node.path, nagged.stateful.node.path, nagged.api.node.path];
    const here = report.violations.filter((v) => v.violatingResources.some((r) => paths.some((p) => r.constructPath?.startsWith(p))));
    expect(here.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
