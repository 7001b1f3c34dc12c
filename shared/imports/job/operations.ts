/**
 * The import routes as Operations, and their ports built from the environment. The adapters are
 * built on the first import call (once per container), not at module load: the API function also
 * serves every other route, and its tests run without the uploads bucket or import queue.
 */
import { definitionStoreFromEnv } from '../../adapters/aws/definition-store.dynamodb';
import { importFilesFromEnv } from '../../adapters/aws/import-files.s3';
import { jobStoreFromEnv } from '../../adapters/aws/job-store.dynamodb';
import { sqsQueue } from '../../adapters/aws/queue.sqs';
import type { Operation, OperationRequest } from '../../api/operation';
import type { OperationId } from '../../api/routes';
import { principalOf } from '../../http/router';
import { systemClock } from '../../ports/clock';
import { completeUpload, createImport, getImport, getReportLink, listImports, startImport, type ImportDeps } from './imports';

export type ImportOperationId = Extract<OperationId, 'createImport' | 'completeImportUpload' | 'startImport' | 'listImports' | 'getImport' | 'getImportReport'>;

const idOf = (request: OperationRequest): string => request.pathParameters.id ?? '';

export function createImportOperations(deps: ImportDeps | (() => ImportDeps)): Record<ImportOperationId, Operation> {
  let built: ImportDeps | undefined;
  const d = (): ImportDeps => (built ??= typeof deps === 'function' ? deps() : deps);
  return {
    createImport: async (request) => {
      const body = await createImport(d(), principalOf(request), request.body);
      return { status: 201, body, headers: { Location: `${request.baseUrl}/imports/${body.id}` } };
    },
    completeImportUpload: async (request) => ({ status: 202, body: await completeUpload(d(), principalOf(request), idOf(request), request.body) }),
    startImport: async (request) => ({ status: 202, body: await startImport(d(), principalOf(request), idOf(request), request.body) }),
    listImports: async (request) => ({ status: 200, body: await listImports(d(), principalOf(request), request.query) }),
    getImport: async (request) => ({ status: 200, body: await getImport(d(), principalOf(request), idOf(request)) }),
    getImportReport: async (request) => ({ status: 200, body: await getReportLink(d(), principalOf(request), idOf(request)) }),
  };
}

export function importDepsFromEnv(): ImportDeps {
  return {
    jobs: jobStoreFromEnv(),
    files: importFilesFromEnv(),
    definitions: definitionStoreFromEnv(),
    queue: sqsQueue('importJobs'),
    clock: systemClock,
  };
}
