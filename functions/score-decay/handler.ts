/**
 * The daily loyalty score sweep (a fixed schedule: EventBridge Scheduler in AWS, the local
 * scheduler in the sandbox). See shared/engagement/decay.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { contactScannerFromEnv } from '../../shared/adapters/aws/contact-scanner.dynamodb';
import { documentClientFromEnv, DynamoContactStore } from '../../shared/adapters/aws/contact-store.dynamodb';
import { engagementStoreFromEnv } from '../../shared/adapters/aws/engagement-store.dynamodb';
import { tableName } from '../../shared/config';
import { decayScores, type DecayResult } from '../../shared/engagement/decay';
import { logger, tracer } from '../../shared/observability';
import { systemClock } from '../../shared/ports/clock';

const store = engagementStoreFromEnv();
const contacts = new DynamoContactStore({ client: documentClientFromEnv(), tableName: tableName('contacts'), clock: systemClock });

async function scoreDecay(_event: unknown, _context: Context): Promise<DecayResult> {
  const result = await decayScores({
    workspaces: () => store.workspaces(),
    settings: (ws) => store.getSettings(ws),
    scanner: contactScannerFromEnv(),
    contacts,
    now: Date.now,
  });
  logger.info('Scores decayed', { ...result });
  return result;
}

export const handler = middy(scoreDecay).use(injectLambdaContext(logger, { resetKeys: true })).use(captureLambdaHandler(tracer));
