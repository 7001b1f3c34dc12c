/**
 * Engagement projector: an "Object Created" event for each object Firehose writes under the lake's
 * events/ prefix (EventBridge rule in AWS, s3rver's event in the sandbox). Reads the gzip NDJSON
 * and projects it (shared/engagement/projector.ts). A failure throws, so the invocation is
 * retried (EventBridge → Lambda async retries, then the function's on-failure queue); re-running
 * an object applies only what it had not applied.
 */
import { gunzipSync } from 'node:zlib';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { s3BlobStore } from '../../shared/adapters/aws/blob-store.s3';
import { documentClientFromEnv, DynamoContactStore } from '../../shared/adapters/aws/contact-store.dynamodb';
import { engagementStoreFromEnv, firstActionsFromEnv } from '../../shared/adapters/aws/engagement-store.dynamodb';
import { bucketName, tableName } from '../../shared/config';
import { projectObject, type ProjectorDeps } from '../../shared/engagement/projector';
import { parseLakeLines } from '../../shared/lake/read';
import { logger, tracer } from '../../shared/observability';
import { systemClock } from '../../shared/ports/clock';

interface ObjectCreatedDetail {
  readonly bucket: { readonly name: string };
  readonly object: { readonly key: string; readonly size?: number };
}

const lake = s3BlobStore('lake');
const lakeBucket = bucketName('lake');
const deps: ProjectorDeps = {
  store: engagementStoreFromEnv(),
  firstActions: firstActionsFromEnv(),
  contacts: new DynamoContactStore({ client: documentClientFromEnv(), tableName: tableName('contacts'), clock: systemClock }),
  now: Date.now,
  log: (message, detail) => logger.warn(message, detail),
};

async function engagementProjector(event: EventBridgeEvent<'Object Created', ObjectCreatedDetail>, _context: Context): Promise<{ outcome: string }> {
  const key = event.detail?.object?.key;
  if (event['detail-type'] !== 'Object Created' || event.detail?.bucket?.name !== lakeBucket || typeof key !== 'string' || !key.startsWith('events/')) {
    logger.warn('Not a new object of the lake\'s events; ignored', { detailType: event['detail-type'] });
    return { outcome: 'ignored' };
  }
  // EventBridge gives the key as stored; classic S3 notifications URL-encode it — accept both.
  const body = (await lake.get(key)) ?? (key.includes('%') || key.includes('+') ? await lake.get(decodeURIComponent(key.replace(/\+/g, ' '))) : undefined);
  if (!body) {
    logger.warn('Lake object is gone; nothing to project', { key });
    return { outcome: 'missing' };
  }
  const text = (key.endsWith('.gz') ? gunzipSync(body) : Buffer.from(body)).toString('utf8');
  const { events, malformed } = parseLakeLines(text);
  const result = await projectObject(deps, key, events);
  logger.info('Lake object projected', { key, ...result, malformed });
  return { outcome: 'projected' };
}

export const handler = middy(engagementProjector).use(injectLambdaContext(logger, { resetKeys: true })).use(captureLambdaHandler(tracer));
