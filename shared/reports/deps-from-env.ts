/**
 * The report ports from the environment. The query engine is Athena in AWS and DuckDB in the
 * sandbox; DuckDB (a native devDependency) is loaded only when PIGEON_RUNTIME=local, by a dynamic
 * import the Lambda bundle leaves out (infra marks @duckdb/node-api external).
 */
import { athenaQueryEngineFromEnv } from '../adapters/aws/query-engine.athena';
import { s3BlobStore } from '../adapters/aws/blob-store.s3';
import { campaignStoreFromEnv } from '../adapters/aws/campaign-store.dynamodb';
import { engagementStoreFromEnv } from '../adapters/aws/engagement-store.dynamodb';
import { exportFilesFromEnv } from '../adapters/aws/export-files.s3';
import { sqsQueue } from '../adapters/aws/queue.sqs';
import { rawMailerFromEnv } from '../adapters/aws/raw-mailer.ses';
import { reportStoreFromEnv } from '../adapters/aws/report-store.dynamodb';
import { runtime } from '../config';
import { loadCjkFont } from './fonts';
import type { GenerationEngine } from './generate';
import type { ReportOperationDeps } from './operations';
import type { ReportLogger, ReportWorkerDeps } from './worker';

let engine: Promise<GenerationEngine> | undefined;

/** One engine per container, built on first use. */
export function generationEngineFromEnv(): Promise<GenerationEngine> {
  engine ??= (async (): Promise<GenerationEngine> => {
    if (runtime() === 'aws') return { engine: athenaQueryEngineFromEnv(), dialect: 'athena' };
    const local = await import('../adapters/local/query-engine.duckdb');
    return { engine: local.duckDbQueryEngineFromEnv(), dialect: 'duckdb' };
  })();
  engine.catch(() => {
    engine = undefined;
  });
  return engine;
}

export function reportOperationDepsFromEnv(): ReportOperationDeps {
  return {
    store: reportStoreFromEnv,
    campaigns: campaignStoreFromEnv,
    blobs: () => s3BlobStore('reports'),
    files: exportFilesFromEnv,
    queue: () => sqsQueue('reportJobs'),
    font: () => loadCjkFont(),
  };
}

export function reportWorkerDepsFromEnv(logger?: ReportLogger): ReportWorkerDeps {
  const engagement = engagementStoreFromEnv();
  return {
    store: reportStoreFromEnv(),
    campaigns: campaignStoreFromEnv(),
    engagementSettings: (ws) => engagement.getSettings(ws),
    blobs: s3BlobStore('reports'),
    files: exportFilesFromEnv(),
    engine: generationEngineFromEnv,
    mailer: rawMailerFromEnv(),
    font: () => loadCjkFont(),
    now: () => new Date(),
    ...(logger ? { logger } : {}),
  };
}
