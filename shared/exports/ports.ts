/**
 * What exports run on. Adapters: shared/adapters/aws/export-job-store.dynamodb.ts (jobs table) and
 * shared/adapters/aws/export-files.s3.ts (reports bucket; s3rver locally); the exportJobs queue
 * through the Queue port; contacts through the segments' ContactScanner.
 */
import type { ExportJob } from './model';

export interface ExportPage {
  readonly items: ExportJob[];
  readonly nextCursor?: string;
}

export type ExportPatch = Partial<Pick<ExportJob, 'status' | 'rowsWritten' | 'files' | 'after' | 'error' | 'updatedAt' | 'runs'>>;

export interface ExportJobStore {
  create(job: ExportJob): Promise<void>;
  get(workspaceId: string, id: string): Promise<ExportJob | undefined>;
  /** Newest first; `createdBy` keeps one principal's exports only. */
  list(workspaceId: string, options: { limit: number; cursor?: string; createdBy?: string }): Promise<ExportPage>;
  /**
   * Takes the job for `owner` until `until` (epoch ms) if it is queued or running and nobody
   * else holds an unexpired lease at `now`; returns it as taken, or undefined.
   */
  acquire(workspaceId: string, id: string, owner: string, now: number, until: number): Promise<ExportJob | undefined>;
  /** Writes the patch if `owner` still holds the lease (false: it was lost); `release` frees it. */
  save(workspaceId: string, id: string, owner: string, patch: ExportPatch, release?: boolean): Promise<boolean>;
}

/** A streamed object: parts uploaded as they fill, so memory stays flat whatever the size. */
export interface FileSink {
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the object; it appears whole or not at all. */
  end(): Promise<void>;
  abort(): Promise<void>;
}

export interface ExportFiles {
  openSink(key: string, contentType: string): FileSink;
  presignGet(key: string, expiresInSeconds: number, downloadName: string): Promise<string>;
}
