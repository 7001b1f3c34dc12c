/**
 * The export worker: drains the exportJobs queue (batch size 1 in AWS), one export run per
 * message. Powertools' BatchProcessor reports failed messages only (ReportBatchItemFailures);
 * runExport is idempotent on the export id, so SQS's redeliveries and the worker's own
 * continuation messages never produce a duplicate file (see shared/exports/run-export.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { queues } from '../../infra/manifest';
import { contactDepsFromEnv } from '../../shared/contacts/operations';
import { exportMessageSchema } from '../../shared/exports/model';
import { exportDepsFromEnv } from '../../shared/exports/operations';
import { runExport, type RunDeps } from '../../shared/exports/run-export';
import { logger, metrics, tracer } from '../../shared/observability';
import { contactScannerFromEnv } from '../../shared/adapters/aws/contact-scanner.dynamodb';
import { segmentStoreFromEnv } from '../../shared/adapters/aws/segment-store.dynamodb';

// Built once per container; the worker needs every port, so nothing is left lazy.
const deps: RunDeps = { ...exportDepsFromEnv(contactDepsFromEnv(), segmentStoreFromEnv), scanner: contactScannerFromEnv() };
const processor = new BatchProcessor(EventType.SQS);
const maxReceives = queues.exportJobs.maxReceiveCount;

async function exportWorker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const record = async (message: SQSRecord) => {
    const parsed = exportMessageSchema.safeParse(JSON.parse(message.body));
    if (!parsed.success) {
      // Retrying cannot fix a malformed message: log it and let it go.
      logger.error('Malformed export message', { messageId: message.messageId });
      return;
    }
    const receives = Number(message.attributes.ApproximateReceiveCount ?? '1');
    const outcome = await runExport(deps, parsed.data, {
      remainingMs: () => context.getRemainingTimeInMillis(),
      finalAttempt: receives >= maxReceives,
    });
    logger.info('Export run', { exportId: parsed.data.exportId, outcome });
    metrics.addMetric(`Exports${outcome[0]?.toUpperCase()}${outcome.slice(1)}`, MetricUnit.Count, 1);
  };
  return processPartialResponse(event, record, processor, { context });
}

export const handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> = middy(exportWorker)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(captureLambdaHandler(tracer));
