/**
 * The report worker: drains the reportJobs queue (batch size 1), one piece of report work per
 * message — generate snapshots, write a recipient list, or e-mail a dispatch (shared/reports/
 * worker.ts). Powertools' BatchProcessor reports failed messages only; each kind of work is
 * idempotent on its message, so SQS's redeliveries are harmless.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, metrics, tracer } from '../../shared/observability';
import { reportWorkerDepsFromEnv } from '../../shared/reports/deps-from-env';
import { reportMessageSchema } from '../../shared/reports/messages';
import { handleReportMessage } from '../../shared/reports/worker';

const deps = reportWorkerDepsFromEnv(logger);
const processor = new BatchProcessor(EventType.SQS);

async function reportWorker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const record = async (message: SQSRecord) => {
    let body: unknown;
    try {
      body = JSON.parse(message.body);
    } catch {
      body = undefined;
    }
    const parsed = reportMessageSchema.safeParse(body);
    if (!parsed.success) {
      // Retrying cannot fix a malformed message: log it and let it go.
      logger.error('Malformed report message', { messageId: message.messageId });
      return;
    }
    await handleReportMessage(deps, parsed.data);
    metrics.addMetric(`Report${parsed.data.kind[0]?.toUpperCase()}${parsed.data.kind.slice(1)}`, MetricUnit.Count, 1);
  };
  return processPartialResponse(event, record, processor, { context });
}

export const handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> = middy(reportWorker)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(captureLambdaHandler(tracer));
