/**
 * EventBridge Scheduler: the stage's schedule group (scheduled campaigns, birthday greetings) and
 * the role its schedules run as. Later stacks grant this role invoke on their targets
 * (`grantInvoke(scheduling.executionRole)`); the api function creates schedules in the group.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import type { StageConfig } from '../stage';

export interface SchedulingStackProps extends StackProps {
  readonly stage: StageConfig;
}

export class SchedulingStack extends Stack {
  readonly scheduleGroup: scheduler.ScheduleGroup;
  readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: SchedulingStackProps) {
    super(scope, id, props);

    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      removalPolicy: props.stage.removalPolicy,
    });

    // Only Scheduler, only for this account and only for schedules in this group, may assume it.
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      description: `Pigeon ${props.stage.name}: runs schedules of its schedule group`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:scheduler:${this.region}:${this.account}:schedule/${this.scheduleGroup.scheduleGroupName}/*` },
        },
      }),
    });
  }
}
