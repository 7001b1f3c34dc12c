/**
 * The import job: one uploaded file on its way into the contacts, stored in the `jobs` table.
 *
 *   awaiting_upload ──upload event──► ready ──POST start──► queued ──worker lease──► running ──► completed
 *          │                            │                    │                         │ ▲
 *          └──unreadable file──► failed ◄──────────────────────┴──────────(error)───────┘ └ checkpoint / continuation
 *
 * Transitions are conditional writes on the stored status (JobStore), so two requests or two
 * workers can never both move one import: the loser sees a ConflictError or does nothing.
 */
import type { Principal } from '../../api/operation';
import { ConflictError } from '../../errors';
import type { Change, Reason } from '../clean';
import type { ImportFormat, SupportedEncoding } from '../read';

export const importStatuses = ['awaiting_upload', 'ready', 'queued', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof importStatuses)[number];

const transitions: Readonly<Record<ImportStatus, readonly ImportStatus[]>> = {
  awaiting_upload: ['ready', 'failed'],
  ready: ['queued', 'failed'],
  queued: ['running', 'failed'],
  // running → running: a checkpoint or a continuation by the next worker.
  running: ['running', 'completed', 'failed'],
  completed: [],
  failed: [],
};

export const canTransition = (from: ImportStatus, to: ImportStatus): boolean => transitions[from].includes(to);

/** The statuses an import may be in for a move to `to`. */
export const statusesBefore = (to: ImportStatus): ImportStatus[] => importStatuses.filter((from) => canTransition(from, to));

export const isFinished = (status: ImportStatus): boolean => status === 'completed' || status === 'failed';

export class ImportStateError extends ConflictError {
  constructor(id: string, status: ImportStatus, wanted: string) {
    super(`Import ${id} is ${status}: it cannot ${wanted} now`, [{ field: 'status', message: `is ${status}` }]);
  }
}

export type ImportMode = 'import' | 'compare';
export type DuplicatePolicy = 'skip' | 'update' | 'updateEmpty';

export interface ImportOptions {
  readonly mode: ImportMode;
  readonly mapping?: Record<string, string | null>;
  readonly encoding?: SupportedEncoding | 'auto';
  readonly delimiter?: string;
  readonly quote?: boolean;
  readonly sheet?: string | number;
  /** Fields that identify a contact, within the file and against the database. */
  readonly keys: readonly string[];
  readonly policy: DuplicatePolicy;
  readonly defaultRegion: string;
  readonly keywordFilters?: { readonly keywords: readonly string[]; readonly fields?: readonly string[] };
  readonly groupIds: readonly string[];
  /** Category ids new (and matched, unless they chose otherwise) contacts are subscribed to. */
  readonly subscribe: readonly string[];
}

export interface ImportProgress {
  /** Data rows read (including unreadable ones); the header is not counted. */
  rowsRead: number;
  created: number;
  updated: number;
  skipped: number;
  rejected: number;
  filtered: number;
  duplicatesInFile: number;
  /** Rows with at least one value corrected by cleaning. */
  corrected: number;
  /** Compare mode only. */
  new?: number;
  present?: number;
  different?: number;
}

export const emptyProgress = (mode: ImportMode): ImportProgress => ({
  rowsRead: 0,
  created: 0,
  updated: 0,
  skipped: 0,
  rejected: 0,
  filtered: 0,
  duplicatesInFile: 0,
  corrected: 0,
  ...(mode === 'compare' ? { new: 0, present: 0, different: 0 } : {}),
});

export interface PreviewRow {
  readonly rowNumber: number;
  readonly fields: Record<string, string>;
  readonly outcome: 'ok' | 'rejected' | 'filtered';
  readonly changes: readonly Change[];
  readonly reasons: readonly Reason[];
}

export interface ImportPreview {
  readonly detected: { readonly format: ImportFormat; readonly encoding: SupportedEncoding | 'binary'; readonly delimiter?: string };
  readonly header: readonly string[];
  readonly mapping: Record<string, string | null>;
  readonly fields: readonly string[];
  readonly sample: readonly PreviewRow[];
}

export interface ImportUpload {
  readonly kind: 'put' | 'multipart';
  readonly uploadId?: string;
  readonly partSize?: number;
  readonly partCount?: number;
}

/** Worker state between invocations (never shown to clients). */
export interface ImportCheckpoint {
  /** Every row up to and including this row number is fully applied and counted. */
  readonly row: number;
  /** Report part objects written so far, in row order (keys relative to the report prefix). */
  readonly parts: readonly string[];
  /** Every row is applied; only the report remains to be assembled. */
  readonly rowsDone?: boolean;
}

export interface ImportJob {
  readonly id: string;
  readonly workspaceId: string;
  readonly status: ImportStatus;
  readonly mode: ImportMode;
  readonly fileName: string;
  readonly fileSize: number;
  readonly contentType?: string;
  /** The uploaded object's key in the uploads bucket. */
  readonly key: string;
  readonly upload: ImportUpload;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  /** The importer's department: new contacts get it. */
  readonly departmentId?: string;
  /**
   * Who started the import, as of starting it: the worker writes with this principal's visibility
   * (a matched contact it may not change is rejected, not updated; see contacts/visibility.ts).
   */
  readonly startedBy?: Principal;
  readonly preview?: ImportPreview;
  readonly options?: ImportOptions;
  readonly progress: ImportProgress;
  readonly error?: { readonly detail: string };
  readonly checkpoint?: ImportCheckpoint;
  /** The report CSV's key once assembled. */
  readonly reportKey?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Worker invocations that ended in an error, in a row without progress (reset by progress). */
  readonly failures?: number;
  readonly lease?: { readonly owner: string; readonly until: number };
}

/** What GET /imports/{id} shows. */
export function publicImport(job: ImportJob) {
  return {
    id: job.id,
    status: job.status,
    mode: job.mode,
    fileName: job.fileName,
    fileSize: job.fileSize,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    createdBy: job.createdBy,
    ...(job.preview ? { preview: job.preview } : {}),
    ...(job.options ? { options: job.options } : {}),
    progress: job.progress,
    ...(job.error ? { error: job.error } : {}),
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    reportAvailable: job.reportKey !== undefined,
  };
}
export type PublicImport = ReturnType<typeof publicImport>;
