/**
 * The mail worker: drains the three mail lanes (priority, bulk, low; batch size 1), one part of a
 * run per message. A part the worker could not finish goes back to its lane as a delayed
 * continuation, so SQS redelivery (and the dead-letter queue) is left for real crashes.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mailWorkerDepsFromEnv } from '../../shared/delivery/deps-from-env';
import { parseMailBatch } from '../../shared/delivery/messages';
import { sendPart } from '../../shared/delivery/worker';
import { logger, metrics, tracer } from '../../shared/observability';

const deps = mailWorkerDepsFromEnv();
const processor = new BatchProcessor(EventType.SQS);

async function mailWorker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const record = async (message: SQSRecord) => {
    let batch: ReturnType<typeof parseMailBatch>;
    try {
      batch = parseMailBatch(JSON.parse(message.body));
    } catch (error) {
      logger.error('Malformed mail message', { messageId: message.messageId, error: String(error) });
      return;
    }
    const result = await sendPart(deps, batch);
    logger.info('Part sent', { runId: batch.runId, part: batch.partIndex, round: batch.round ?? 0, ...result });
    metrics.addMetric('MailSent', MetricUnit.Count, result.sent);
    metrics.addMetric('MailFailed', MetricUnit.Count, result.failed);
  };
  return processPartialResponse(event, record, processor, { context });
}

export const handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> = middy(mailWorker)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(captureLambdaHandler(tracer));
