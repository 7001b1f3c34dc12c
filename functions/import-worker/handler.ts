/**
 * Import worker: drains the importJobs queue (batch size 1 in AWS), one "run or continue import X"
 * message at a time. Idempotent on the import id: the job's status, lease and checkpoint decide
 * what a message does (shared/imports/job/worker.ts), so a duplicate or stale message is harmless.
 * Partial batch failures go back to the queue; after maxReceiveCount to the dead-letter queue.
 */
import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { definitionStoreFromEnv } from '../../shared/adapters/aws/definition-store.dynamodb';
import { DynamoContactStore, documentClientFromEnv } from '../../shared/adapters/aws/contact-store.dynamodb';
import { importFilesFromEnv } from '../../shared/adapters/aws/import-files.s3';
import { jobStoreFromEnv } from '../../shared/adapters/aws/job-store.dynamodb';
import { sqsQueue } from '../../shared/adapters/aws/queue.sqs';
import { optional, tableName } from '../../shared/config';
import { defaultWorkerSettings, handleImportMessage, type WorkerDeps, type WorkerSettings } from '../../shared/imports/job/worker';
import { logger, tracer } from '../../shared/observability';
import { systemClock } from '../../shared/ports/clock';

const deps: WorkerDeps = {
  jobs: jobStoreFromEnv(),
  files: importFilesFromEnv(),
  contacts: new DynamoContactStore({ client: documentClientFromEnv(), tableName: tableName('contacts'), clock: systemClock }),
  definitions: definitionStoreFromEnv(),
  queue: sqsQueue('importJobs'),
  clock: systemClock,
};

const messageSchema = z.object({ workspaceId: z.string().min(1).max(100), importId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/) });

const positive = (name: string): number | undefined => {
  const value = optional(name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
};

/** Tunables (read per invocation so a test can change them): rows per checkpoint, time budget. */
function settings(): WorkerSettings {
  return {
    ...defaultWorkerSettings,
    checkpointRows: positive('IMPORT_CHECKPOINT_ROWS') ?? defaultWorkerSettings.checkpointRows,
    chunkRows: positive('IMPORT_CHUNK_ROWS') ?? defaultWorkerSettings.chunkRows,
    budgetMs: positive('IMPORT_TIME_BUDGET_MS'),
    retryDelaySeconds: positive('IMPORT_RETRY_DELAY_SECONDS') ?? defaultWorkerSettings.retryDelaySeconds,
  };
}

const processor = new BatchProcessor(EventType.SQS);

async function importWorker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const record = async (item: SQSRecord) => {
    const parsed = messageSchema.safeParse(JSON.parse(item.body));
    if (!parsed.success) {
      // Retrying cannot fix a malformed message: log it and let it go.
      logger.error('Malformed import message dropped', { messageId: item.messageId });
      return;
    }
    const outcome = await handleImportMessage(deps, parsed.data, { owner: randomUUID(), remainingMs: () => context.getRemainingTimeInMillis() }, settings());
    logger.info('Import message handled', { importId: parsed.data.importId, outcome });
  };
  return processPartialResponse(event, record, processor, { context, processInParallel: false });
}

export const handler = middy(importWorker).use(injectLambdaContext(logger, { resetKeys: true })).use(captureLambdaHandler(tracer));
