/**
 * The export routes as Operations, and the ports exports run on, built from the environment on
 * first use (the queue, bucket and jobs table are only needed once someone exports).
 */
import { exportFilesFromEnv } from '../adapters/aws/export-files.s3';
import { exportJobStoreFromEnv } from '../adapters/aws/export-job-store.dynamodb';
import { sqsQueue } from '../adapters/aws/queue.sqs';
import type { Operation, OperationRequest } from '../api/operation';
import type { OperationId } from '../api/routes';
import type { ContactDeps } from '../contacts/contacts';
import { principalOf } from '../http/router';
import type { Queue } from '../ports/queue';
import type { SegmentStore } from '../segments/ports';
import { createExport, getExport, listExports, type ExportDeps } from './exports';
import type { ExportFiles, ExportJobStore } from './ports';

export type ExportOperationId = Extract<OperationId, 'listExports' | 'createExport' | 'getExport'>;

const idOf = (request: OperationRequest): string => request.pathParameters.id ?? '';

export function createExportOperations(deps: ExportDeps): Record<ExportOperationId, Operation> {
  return {
    listExports: async (request) => ({ status: 200, body: await listExports(deps, principalOf(request), request.query) }),
    createExport: async (request) => {
      const created = await createExport(deps, principalOf(request), request.body);
      return { status: 202, body: created, headers: { Location: `${request.baseUrl}/exports/${encodeURIComponent(created.id)}` } };
    },
    getExport: async (request) => ({ status: 200, body: await getExport(deps, principalOf(request), idOf(request)) }),
  };
}

/** Export deps on top of the contact deps (and the segment store), the AWS side built on first use. */
export function exportDepsFromEnv(contacts: ContactDeps, segments: () => SegmentStore): ExportDeps {
  let jobs: ExportJobStore | undefined;
  let files: ExportFiles | undefined;
  let queue: Queue | undefined;
  return {
    ...contacts,
    get segments() {
      return segments();
    },
    get jobs() {
      return (jobs ??= exportJobStoreFromEnv());
    },
    get files() {
      return (files ??= exportFilesFromEnv());
    },
    get queue() {
      return (queue ??= sqsQueue('exportJobs'));
    },
  };
}
