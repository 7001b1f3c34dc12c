/**
 * The hourly report dispatch sweep (EventBridge schedule; the local scheduler in the sandbox):
 * queues a "dispatch" message for every campaign whose dispatch is due this hour. The report
 * worker claims each hour's slot before sending, so a repeated sweep sends nothing twice.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { reportStoreFromEnv } from '../../shared/adapters/aws/report-store.dynamodb';
import { sqsQueue } from '../../shared/adapters/aws/queue.sqs';
import { logger, metrics } from '../../shared/observability';
import { queueDueDispatches } from '../../shared/reports/dispatch';

const store = reportStoreFromEnv();
const queue = sqsQueue('reportJobs');

async function reportDispatch(_event: unknown, _context: Context): Promise<{ queued: number }> {
  const queued = await queueDueDispatches({ store, queue }, new Date());
  logger.info('Report dispatch sweep', { queued });
  metrics.addMetric('ReportDispatchesQueued', MetricUnit.Count, queued);
  return { queued };
}

export const handler: (event: unknown, context: Context) => Promise<{ queued: number }> = middy(reportDispatch)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
