/**
 * Imports (名單匯入) and exports (名單下載): the API shapes the console codes against (the team
 * contract, Addendum 2) and typed calls over the shared client. The catalogue reads (fields,
 * groups, categories, segments) are here too, as far as the import and export forms need them.
 */
import { type ApiClient } from './api';

export type ImportStatus = 'awaiting_upload' | 'ready' | 'queued' | 'running' | 'completed' | 'failed';
export type ImportMode = 'import' | 'compare';
export type DuplicatePolicy = 'skip' | 'update' | 'updateEmpty';

export interface PresignedUpload {
  readonly method: 'PUT';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface MultipartUpload {
  readonly partSize: number;
  readonly parts: readonly { readonly partNumber: number; readonly url: string }[];
}

export interface CreatedImport {
  readonly id: string;
  readonly status: ImportStatus;
  readonly upload?: PresignedUpload;
  readonly multipart?: MultipartUpload;
}

export interface ImportChange {
  readonly field: string;
  readonly from: string;
  readonly to: string;
  readonly rule: string;
}

export interface ImportReason {
  readonly field?: string;
  readonly code?: string;
  readonly message?: string;
}

export interface SampleRow {
  readonly rowNumber: number;
  readonly fields: Readonly<Record<string, string>>;
  readonly outcome: 'ok' | 'rejected' | 'filtered';
  readonly changes?: readonly ImportChange[];
  /** The contract names objects; a reader reject may give a plain sentence. */
  readonly reasons?: readonly (ImportReason | string)[];
}

export interface ImportPreview {
  readonly detected: { readonly format: 'csv' | 'tsv' | 'xlsx'; readonly encoding: string; readonly delimiter?: string };
  readonly header: readonly string[];
  readonly mapping: Readonly<Record<string, string | null>>;
  readonly fields: readonly string[];
  readonly sample: readonly SampleRow[];
}

export interface ImportProgress {
  readonly rowsRead?: number;
  readonly created?: number;
  readonly updated?: number;
  readonly skipped?: number;
  readonly rejected?: number;
  readonly filtered?: number;
  readonly duplicatesInFile?: number;
  readonly corrected?: number;
  readonly new?: number;
  readonly present?: number;
  readonly different?: number;
}

export interface ImportOptions {
  mode?: ImportMode;
  mapping?: Record<string, string | null>;
  encoding?: string;
  delimiter?: string;
  quote?: boolean;
  sheet?: string | number;
  keys?: string[];
  policy?: DuplicatePolicy;
  defaultRegion?: string;
  keywordFilters?: { keywords: string[]; fields?: string[] };
  groupIds?: string[];
  subscribe?: string[];
}

export interface ImportJob {
  readonly id: string;
  readonly status: ImportStatus;
  readonly mode?: ImportMode;
  readonly fileName: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy?: string;
  readonly preview?: ImportPreview;
  readonly options?: ImportOptions;
  readonly progress?: ImportProgress;
  readonly error?: { readonly detail?: string };
  readonly reportAvailable?: boolean;
}

export type ExportStatus = 'queued' | 'running' | 'completed' | 'failed';
export type ExportFormat = 'csv' | 'xlsx';

export interface ExportFilters {
  group?: string;
  category?: string;
  status?: string;
  scoreMin?: number;
  scoreMax?: number;
  q?: string;
}

export interface ExportRequest {
  format: ExportFormat;
  segmentId?: string;
  filters?: ExportFilters;
  fields?: string[];
  maxRowsPerFile?: number;
}

export interface ExportFile {
  readonly name: string;
  readonly rows: number;
  readonly url?: string;
  readonly expiresAt?: string;
}

export interface ExportJob {
  readonly id: string;
  readonly status: ExportStatus;
  readonly format?: ExportFormat;
  readonly rowsWritten?: number;
  readonly files?: readonly ExportFile[];
  readonly error?: { readonly detail?: string } | string;
  readonly createdAt?: string;
}

export interface FieldDefinition {
  readonly name: string;
  readonly label?: { readonly 'zh-TW'?: string; readonly en?: string };
  readonly type?: string;
}

export interface NamedItem {
  readonly id: string;
  readonly name: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

const path = (id: string) => encodeURIComponent(id);

export function jobsApi(api: ApiClient) {
  const { request } = api;
  return {
    createImport: (input: { fileName: string; fileSize: number; contentType?: string }) => request<CreatedImport>('POST', '/imports', { body: input }),
    completeUpload: (id: string, parts: { partNumber: number; etag: string }[]) =>
      request<unknown>('POST', `/imports/${path(id)}/complete`, { body: { parts } }),
    getImport: (id: string) => request<ImportJob>('GET', `/imports/${path(id)}`),
    listImports: (cursor?: string) => request<Page<ImportJob>>('GET', `/imports${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`),
    startImport: (id: string, options: ImportOptions) => request<{ status: ImportStatus }>('POST', `/imports/${path(id)}/start`, { body: options }),
    importReport: (id: string) => request<{ url: string; expiresAt?: string }>('GET', `/imports/${path(id)}/report`),

    createExport: (input: ExportRequest) => request<{ id: string; status: ExportStatus }>('POST', '/exports', { body: input }),
    getExport: (id: string) => request<ExportJob>('GET', `/exports/${path(id)}`),
    listExports: () => request<Page<ExportJob>>('GET', '/exports'),

    listFields: () => request<Page<FieldDefinition>>('GET', '/fields'),
    listGroups: () => request<Page<NamedItem>>('GET', '/groups'),
    listCategories: () => request<Page<NamedItem>>('GET', '/categories'),
    listSegments: () => request<Page<NamedItem>>('GET', '/segments'),
  };
}

export type JobsApi = ReturnType<typeof jobsApi>;
