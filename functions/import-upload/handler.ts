/**
 * Import upload trigger: an "Object Created" event from EventBridge (the uploads bucket sends its
 * events there; a rule matches keys under imports/), and the same shape from the sandbox. Reads
 * the head of the file and stores the preview (status ready) or why it cannot be read (failed).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { definitionStoreFromEnv } from '../../shared/adapters/aws/definition-store.dynamodb';
import { importFilesFromEnv } from '../../shared/adapters/aws/import-files.s3';
import { jobStoreFromEnv } from '../../shared/adapters/aws/job-store.dynamodb';
import { bucketName } from '../../shared/config';
import { previewUpload } from '../../shared/imports/job/imports';
import { logger, tracer } from '../../shared/observability';
import { systemClock } from '../../shared/ports/clock';

export interface ObjectCreatedDetail {
  readonly version: string;
  readonly bucket: { readonly name: string };
  readonly object: { readonly key: string; readonly size?: number; readonly etag?: string; readonly sequencer?: string };
  readonly reason?: string;
}
export type ObjectCreatedEvent = EventBridgeEvent<'Object Created', ObjectCreatedDetail>;

const deps = { jobs: jobStoreFromEnv(), files: importFilesFromEnv(), definitions: definitionStoreFromEnv(), clock: systemClock };
const uploads = bucketName('uploads');

async function importUpload(event: ObjectCreatedEvent, _context: Context): Promise<{ outcome: string }> {
  if (event['detail-type'] !== 'Object Created' || event.detail?.bucket?.name !== uploads || typeof event.detail.object?.key !== 'string') {
    logger.warn('Not an object-created event of the uploads bucket; ignored', { detailType: event['detail-type'] });
    return { outcome: 'ignored' };
  }
  const outcome = await previewUpload(deps, event.detail.object.key);
  logger.info('Import upload handled', { outcome, size: event.detail.object.size });
  return { outcome };
}

export const handler = middy(importUpload).use(injectLambdaContext(logger, { resetKeys: true })).use(captureLambdaHandler(tracer));
