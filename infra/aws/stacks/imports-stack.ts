/**
 * Contact imports: the upload trigger (an EventBridge rule on the uploads bucket's "Object Created"
 * events under imports/, so the stateful stack never references this stack's function) and the
 * import worker draining the importJobs queue (batch size 1, partial batch failures; the queue's
 * dead-letter queue and its alarm live in the messaging stack).
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { functions, queues } from '../../manifest';
import { objectTriggerRules } from '../constructs/object-trigger';
import { PigeonFunction, type PigeonResources } from '../constructs/pigeon-function';
import type { StageConfig } from '../stage';

export interface ImportsStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly resources: PigeonResources;
}

export class ImportsStack extends Stack {
  readonly uploadFunction: PigeonFunction;
  readonly workerFunction: PigeonFunction;
  readonly uploadRules: events.Rule[];

  constructor(scope: Construct, id: string, props: ImportsStackProps) {
    super(scope, id, props);
    const { stage, resources } = props;
    const common = { stage: stage.name, logRetentionDays: stage.logRetentionDays, removalPolicy: stage.removalPolicy };

    this.uploadFunction = new PigeonFunction(this, 'ImportUploadFunction', { ...common, name: 'importUpload', declaration: functions.importUpload }).use(
      functions.importUpload.uses,
      resources,
    );
    this.uploadRules = objectTriggerRules(this, 'UploadRule', 'importUpload', this.uploadFunction, resources.buckets, {
      retryAttempts: 4,
      maxEventAge: Duration.hours(2),
    });

    this.workerFunction = new PigeonFunction(this, 'ImportWorkerFunction', { ...common, name: 'importWorker', declaration: functions.importWorker }).use(
      functions.importWorker.uses,
      resources,
    );
    this.workerFunction.function.addEventSource(new SqsEventSource(resources.queues.importJobs, { batchSize: queues.importJobs.consumerBatchSize, reportBatchItemFailures: true }));
  }
}
