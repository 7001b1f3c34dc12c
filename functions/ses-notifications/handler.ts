/**
 * SES events from the sesNotifications topic (SNS → Lambda). Each record is handled on its own;
 * a failure throws so SNS retries the delivery (every step is idempotent).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { notificationDepsFromEnv } from '../../shared/delivery/deps-from-env';
import { handleSesEvent, type SesEvent } from '../../shared/delivery/notifications';
import { logger, metrics, tracer } from '../../shared/observability';

const deps = notificationDepsFromEnv();

async function sesNotifications(event: SNSEvent): Promise<void> {
  for (const record of event.Records) {
    let parsed: SesEvent;
    try {
      parsed = JSON.parse(record.Sns.Message) as SesEvent;
      if (!parsed?.mail?.messageId) throw new Error('no mail.messageId');
    } catch (error) {
      logger.error('Malformed SES event', { messageId: record.Sns.MessageId, error: String(error) });
      continue;
    }
    const outcome = await handleSesEvent(deps, parsed);
    if (outcome !== 'ignored') metrics.addMetric(`Ses${outcome[0]?.toUpperCase()}${outcome.slice(1)}`, MetricUnit.Count, 1);
  }
}

export const handler = middy(sesNotifications)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(captureLambdaHandler(tracer));
