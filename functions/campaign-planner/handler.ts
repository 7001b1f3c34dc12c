/**
 * The campaign planner. Two callers: the campaignRuns queue (launches, resends, test sends, and
 * the planner's own delayed "watch" messages) and EventBridge Scheduler, which invokes it directly
 * with a CampaignRunMessage when a campaign's at() or cron() schedule fires.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { plannerDepsFromEnv } from '../../shared/delivery/deps-from-env';
import { parsePlannerMessage } from '../../shared/delivery/messages';
import { isWatch, planRun, watchRun } from '../../shared/delivery/planner';
import { logger, metrics, tracer } from '../../shared/observability';

const deps = plannerDepsFromEnv((message, detail) => logger.info(message, detail ?? {}));
const processor = new BatchProcessor(EventType.SQS);

async function handle(body: unknown): Promise<void> {
  let message: ReturnType<typeof parsePlannerMessage>;
  try {
    message = parsePlannerMessage(body);
  } catch (error) {
    // Retrying cannot fix a malformed message.
    logger.error('Malformed planner message', { error: String(error) });
    return;
  }
  if (isWatch(message)) await watchRun(deps, message);
  else {
    const run = await planRun(deps, message);
    logger.info('Run planned', { runId: run?.id, status: run?.status, parts: run?.parts, total: run?.progress.total });
  }
}

async function campaignPlanner(event: SQSEvent | Record<string, unknown>, context: Context): Promise<SQSBatchResponse | void> {
  if (Array.isArray((event as SQSEvent).Records)) {
    return processPartialResponse(event as SQSEvent, (record: SQSRecord) => handle(JSON.parse(record.body)), processor, { context });
  }
  await handle(event);
}

export const handler = middy(campaignPlanner)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(captureLambdaHandler(tracer));
