/**
 * Contact exports: the export worker draining the exportJobs queue (batch size 1, so one export
 * run owns one invocation's time; partial batch failures; the queue's dead-letter queue and its
 * alarm live in the messaging stack). It reads contacts (Queries only: no Scan permission), keeps
 * export jobs in the jobs table, writes files to the reports bucket and re-queues continuations.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { functions, queues } from '../../manifest';
import { PigeonFunction, type PigeonResources } from '../constructs/pigeon-function';
import type { StageConfig } from '../stage';

export interface ExportsStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly resources: PigeonResources;
}

export class ExportsStack extends Stack {
  readonly workerFunction: PigeonFunction;

  constructor(scope: Construct, id: string, props: ExportsStackProps) {
    super(scope, id, props);
    const { stage, resources } = props;
    this.workerFunction = new PigeonFunction(this, 'ExportWorkerFunction', {
      name: 'exportWorker',
      declaration: functions.exportWorker,
      stage: stage.name,
      logRetentionDays: stage.logRetentionDays,
      removalPolicy: stage.removalPolicy,
    }).use(functions.exportWorker.uses, resources);
    this.workerFunction.function.addEventSource(new SqsEventSource(resources.queues.exportJobs, { batchSize: queues.exportJobs.consumerBatchSize, reportBatchItemFailures: true }));
  }
}
