/**
 * The delivery pipeline: the campaign planner (campaignRuns queue, and the target of campaign
 * schedules), the mail worker (three lanes, each with its own concurrency cap so triggered mail is
 * never stuck behind a bulk send), and the SES notifications handler subscribed to the topic the
 * configuration set publishes to.
 *
 * The planner has a fixed function name so the API stack can name it as a schedule target
 * without referencing this stack. Tracked links point at the tracking stack's distribution.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SnsEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { functions, queues, type QueueDeclaration, type QueueName } from '../../manifest';
import { PigeonFunction, type PigeonResources } from '../constructs/pigeon-function';
import { addCjkFont, cjkFontLayer } from './reports-stack';
import type { StageConfig } from '../stage';

export interface DeliveryStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly resources: PigeonResources;
  /** Base of the tracked links: the tracking stack's `https://<distribution domain>/t`. */
  readonly trackingBaseUrl: string;
  readonly assetsUrl: string;
  readonly trackingKey: IKey;
  /** The role EventBridge Scheduler runs campaign schedules as: may invoke the planner (a policy made here, so no cycle). */
  readonly schedulerRoleArn: string;
}

/** The planner's physical name: schedules created by the API target it by ARN. */
export const plannerFunctionName = (stage: string): string => `pigeon-${stage}-campaign-planner`;

const mailLanes: readonly QueueName[] = ['mailPriority', 'mailBulk', 'mailLow'];

export class DeliveryStack extends Stack {
  readonly planner: PigeonFunction;
  readonly mailWorker: PigeonFunction;
  readonly notifications: PigeonFunction;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, props);
    const { stage, resources } = props;
    const common = { stage: stage.name, logRetentionDays: stage.logRetentionDays, removalPolicy: stage.removalPolicy };

    this.planner = new PigeonFunction(this, 'CampaignPlannerFunction', {
      ...common,
      name: 'campaignPlanner',
      declaration: functions.campaignPlanner,
      functionName: plannerFunctionName(stage.name),
    }).use(functions.campaignPlanner.uses, resources);
    this.planner.function.addEventSource(new SqsEventSource(resources.queues.campaignRuns, { batchSize: queues.campaignRuns.consumerBatchSize, reportBatchItemFailures: true }));
    // Only this function (not its versions: schedules invoke $LATEST), attached from this stack.
    const schedulerRole = iam.Role.fromRoleArn(this, 'SchedulerRole', props.schedulerRoleArn, { mutable: true });
    new iam.Policy(this, 'SchedulerInvokesPlanner', {
      roles: [schedulerRole],
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.planner.function.functionArn] })],
    });

    const tracking = { TRACKING_BASE_URL: props.trackingBaseUrl, TRACKING_KMS_KEY_ID: props.trackingKey.keyArn, ASSETS_BASE_URL: props.assetsUrl };
    this.mailWorker = new PigeonFunction(this, 'MailWorkerFunction', { ...common, name: 'mailWorker', declaration: functions.mailWorker, environment: tracking }).use(
      functions.mailWorker.uses,
      resources,
    );
    this.mailWorker.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateMac'], resources: [props.trackingKey.keyArn] }));
    // Per-recipient PDF attachments embed the Traditional Chinese font.
    addCjkFont(this.mailWorker, cjkFontLayer(this, 'CjkFontLayer', stage.removalPolicy));
    for (const lane of mailLanes) {
      const declaration: QueueDeclaration = queues[lane];
      this.mailWorker.function.addEventSource(
        new SqsEventSource(resources.queues[lane], {
          batchSize: declaration.consumerBatchSize ?? 1,
          reportBatchItemFailures: true,
          ...(declaration.consumerConcurrency ? { maxConcurrency: Math.max(2, declaration.consumerConcurrency) } : {}),
          maxBatchingWindow: Duration.seconds(0),
        }),
      );
    }

    this.notifications = new PigeonFunction(this, 'SesNotificationsFunction', { ...common, name: 'sesNotifications', declaration: functions.sesNotifications }).use(
      functions.sesNotifications.uses,
      resources,
    );
    this.notifications.function.addEventSource(new SnsEventSource(resources.topics.sesNotifications));
  }
}
