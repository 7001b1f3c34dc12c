/**
 * Queues (one per manifest channel and lane, each with a dead-letter queue and an alarm on it),
 * the SNS topic SES reports bounces, complaints and deliveries to, and the SES configuration set
 * that publishes them there.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { queues, topics, type QueueName, type TopicName } from '../../manifest';
import type { StageConfig } from '../stage';
import { pascal } from './stateful-stack';

export interface MessagingStackProps extends StackProps {
  readonly stage: StageConfig;
}

export class MessagingStack extends Stack {
  readonly queues: Readonly<Record<QueueName, sqs.Queue>>;
  readonly deadLetterQueues: Readonly<Record<QueueName, sqs.Queue>>;
  readonly dlqAlarms: Readonly<Record<QueueName, cloudwatch.Alarm>>;
  readonly topics: Readonly<Record<TopicName, sns.Topic>>;
  /** Alarm notifications (DLQ depth); subscribe with context alarmEmail. */
  readonly alarmTopic: sns.Topic;
  readonly configurationSet: ses.ConfigurationSet;
  /** Encrypts the topics: SNS's AWS-managed key cannot be used by SES or CloudWatch. */
  readonly topicsKey: kms.Key;

  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    const { stage } = props;

    this.topicsKey = new kms.Key(this, 'TopicsKey', {
      description: `Pigeon ${stage.name}: SNS topics`,
      enableKeyRotation: true,
      removalPolicy: stage.removalPolicy,
    });
    // The publishing services encrypt messages with the topic's key, so they need it too.
    this.topicsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('ses.amazonaws.com'), new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: this.topicsKey, enforceSSL: true });
    if (stage.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(stage.alarmEmail));

    const queueEntries: [QueueName, sqs.Queue][] = [];
    const dlqEntries: [QueueName, sqs.Queue][] = [];
    const alarmEntries: [QueueName, cloudwatch.Alarm][] = [];
    for (const name of Object.keys(queues) as QueueName[]) {
      const declaration = queues[name];
      const id = pascal(name);
      const deadLetterQueue = new sqs.Queue(this, `${id}Dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy: stage.removalPolicy,
      });
      const queue = new sqs.Queue(this, `${id}Queue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(declaration.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(declaration.retentionDays),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: declaration.maxReceiveCount },
        removalPolicy: stage.removalPolicy,
      });
      const alarm = new cloudwatch.Alarm(this, `${id}DlqAlarm`, {
        alarmDescription: `Pigeon ${stage.name}: ${declaration.description} are failing into the dead-letter queue`,
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: declaration.dlqAlarmThreshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      queueEntries.push([name, queue]);
      dlqEntries.push([name, deadLetterQueue]);
      alarmEntries.push([name, alarm]);
    }
    this.queues = Object.fromEntries(queueEntries) as Record<QueueName, sqs.Queue>;
    this.deadLetterQueues = Object.fromEntries(dlqEntries) as Record<QueueName, sqs.Queue>;
    this.dlqAlarms = Object.fromEntries(alarmEntries) as Record<QueueName, cloudwatch.Alarm>;

    const sesNotifications = new sns.Topic(this, 'SesNotificationsTopic', {
      displayName: topics.sesNotifications.description,
      masterKey: this.topicsKey,
      enforceSSL: true,
    });
    this.topics = { sesNotifications: sesNotifications };

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      sendingEnabled: true,
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.addEventDestination('ToSns', {
      destination: ses.EventDestination.snsTopic(sesNotifications),
      // Send settles deliveries whose worker never heard SES's answer (the delivery ledger).
      events: [ses.EmailSendingEvent.SEND, ses.EmailSendingEvent.REJECT, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.DELIVERY],
    });
  }
}
