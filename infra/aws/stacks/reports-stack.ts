/**
 * Two-stage reports: the report worker draining reportJobs (batch size 1, so one generation owns
 * one invocation's time; partial batch failures; the queue's dead-letter queue and its alarm live
 * in the messaging stack), which queries the lake through Athena, stores snapshots and lists in
 * the reports bucket and e-mails dispatches; and the hourly dispatch sweep (manifest `schedules`)
 * that queues the dispatches due.
 *
 * PDFs are rendered with the CJK font layer (`/opt/fonts/…`, CJK_FONT_PATH): here for the worker,
 * and by the API stack for its download route, each from the same asset (`cjkFontLayer()`), so no
 * layer version ARN crosses stacks (a new version would be an export in use, which CloudFormation
 * refuses to change).
 */
import { createHash } from 'node:crypto';
import { AssetHashType, Duration, Stack, type RemovalPolicy, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CJK_FONT_LAYER_PATH, ensureCjkFontLayer } from '../../../layers/cjk-fonts/build';
import { functions, queues, schedules, type FunctionName, type QueueDeclaration } from '../../manifest';
import { PigeonFunction, type PigeonResources } from '../constructs/pigeon-function';
import { acknowledge } from '../nag';
import type { StageConfig } from '../stage';

export interface ReportsStackProps extends StackProps {
  readonly stage: StageConfig;
  /** Manifest resources, with `lake` (the analytics stack's workgroup and table) and `mail`. */
  readonly resources: PigeonResources;
  /** Alarm notifications (the messaging stack's topic). */
  readonly alarmTopic: sns.ITopic;
}

/** Where the font is in Lambda (layers unpack under /opt); PDF rendering reads CJK_FONT_PATH. */
export const CJK_FONT_PATH = CJK_FONT_LAYER_PATH;

/**
 * The CJK font layer, built (copied from the pinned npm package) only when missing or stale and
 * hashed by what it holds, as the GeoIP layer is: the same asset in every stack that uses it.
 */
export function cjkFontLayer(scope: Construct, id: string, removalPolicy: RemovalPolicy): lambda.LayerVersion {
  const fonts = ensureCjkFontLayer();
  const hash = createHash('sha256')
    .update(JSON.stringify({ source: fonts.source, files: fonts.files }))
    .digest('hex');
  return new lambda.LayerVersion(scope, id, {
    code: lambda.Code.fromAsset(fonts.root, { assetHashType: AssetHashType.CUSTOM, assetHash: hash, exclude: ['.build-*'] }),
    compatibleArchitectures: [lambda.Architecture.ARM_64],
    compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
    description: `CJK font ${fonts.source} at ${CJK_FONT_PATH}`,
    license: 'OFL-1.1',
    removalPolicy,
  });
}

/** Adds the font layer to a function and tells it where the font is. */
export function addCjkFont(fn: PigeonFunction, layer: lambda.ILayerVersion): void {
  fn.function.addLayers(layer);
  fn.addEnvironment('CJK_FONT_PATH', CJK_FONT_PATH);
}

export class ReportsStack extends Stack {
  readonly workerFunction: PigeonFunction;
  readonly dispatchFunction: PigeonFunction;
  readonly fontLayer: lambda.LayerVersion;
  /** The manifest schedules whose function this stack builds (the hourly dispatch sweep). */
  readonly scheduleRules: events.Rule[];
  /** Scheduled invocations that failed after Lambda's retries, and events EventBridge could not deliver. */
  readonly scheduleFailures: sqs.Queue;
  readonly alarms: Readonly<Record<'workerErrors' | 'scheduleFailures', cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: ReportsStackProps) {
    super(scope, id, props);
    const { stage, resources } = props;
    const common = { stage: stage.name, logRetentionDays: stage.logRetentionDays, removalPolicy: stage.removalPolicy };

    this.fontLayer = cjkFontLayer(this, 'CjkFontLayer', stage.removalPolicy);

    // ---------- the report worker ----------
    this.workerFunction = new PigeonFunction(this, 'ReportWorkerFunction', { ...common, name: 'reportWorker', declaration: functions.reportWorker }).use(
      functions.reportWorker.uses,
      resources,
    );
    addCjkFont(this.workerFunction, this.fontLayer);
    const reportJobs: QueueDeclaration = queues.reportJobs;
    this.workerFunction.function.addEventSource(
      new SqsEventSource(resources.queues.reportJobs, {
        batchSize: reportJobs.consumerBatchSize ?? 1,
        reportBatchItemFailures: true,
        ...(reportJobs.consumerConcurrency ? { maxConcurrency: Math.max(2, reportJobs.consumerConcurrency) } : {}),
      }),
    );

    // ---------- the hourly dispatch sweep ----------
    this.dispatchFunction = new PigeonFunction(this, 'ReportDispatchFunction', { ...common, name: 'reportDispatch', declaration: functions.reportDispatch }).use(
      functions.reportDispatch.uses,
      resources,
    );
    this.scheduleFailures = new sqs.Queue(this, 'ScheduleFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: stage.removalPolicy,
    });
    acknowledge(
      this.scheduleFailures,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter destination of the scheduled functions (Lambda on-failure destination and EventBridge DLQ)',
    );
    // A sweep older than its hour is superseded by the next one; what failed is kept to look at.
    this.dispatchFunction.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.scheduleFailures),
    });
    // Manifest schedules are fixed, so an EventBridge rule suffices (as in the tracking stack); each
    // stack creates the rules of the functions it builds.
    const built: Partial<Record<FunctionName, PigeonFunction>> = { reportDispatch: this.dispatchFunction };
    this.scheduleRules = Object.entries(schedules).flatMap(([name, schedule]) => {
      const target = built[schedule.function];
      if (!target) return [];
      return [
        new events.Rule(this, `Schedule-${name}`, {
          description: `Pigeon ${stage.name}: ${schedule.description}`,
          schedule: events.Schedule.expression(schedule.expression),
          targets: [new targets.LambdaFunction(target.function, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: this.scheduleFailures })],
        }),
      ];
    });

    // ---------- alarms (reportJobs' dead-letter queue alarm is the messaging stack's) ----------
    const alarmAction = new actions.SnsAction(props.alarmTopic);
    // Failed pieces of work are reported per message and retried by SQS; an Error is a crash or a timeout.
    const workerErrors = new cloudwatch.Alarm(this, 'ReportWorkerErrorsAlarm', {
      alarmDescription: `Pigeon ${stage.name}: the report worker is failing (unhandled errors or timeouts)`,
      metric: this.workerFunction.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const scheduleFailures = new cloudwatch.Alarm(this, 'ScheduleFailuresAlarm', {
      alarmDescription: `Pigeon ${stage.name}: a report dispatch sweep failed after its retries (dispatches due that hour may not have been queued)`,
      metric: this.scheduleFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [workerErrors, scheduleFailures]) alarm.addAlarmAction(alarmAction);
    this.alarms = { workerErrors, scheduleFailures };
  }
}
