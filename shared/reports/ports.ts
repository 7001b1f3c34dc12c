/**
 * What reports keep. Adapter: shared/adapters/aws/report-store.dynamodb.ts (the `jobs` table);
 * snapshots and files go to the reports bucket through the BlobStore / ExportFiles ports.
 */
import type { RecipientListJob, ReportDispatch, ReportRange, ReportSettings, ReportStatus, ReportType } from './model';

/** A status as kept: the snapshot's object key beside what the API shows. */
export interface StoredStatus extends ReportStatus {
  readonly snapshotKey?: string;
}

/** A campaign whose dispatch is on, as the hourly sweep lists it. */
export interface DispatchEntry {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly dispatch: ReportDispatch;
}

export interface ReportStore {
  /** Every report of the campaign that was ever requested (absent types: never). */
  listStatuses(workspaceId: string, campaignId: string): Promise<StoredStatus[]>;
  getStatus(workspaceId: string, campaignId: string, type: ReportType): Promise<StoredStatus | undefined>;
  /** Marks the report as being generated (the previous snapshot stays in place). */
  markRequested(workspaceId: string, campaignId: string, type: ReportType, at: string, by: string, range: ReportRange): Promise<StoredStatus>;
  /**
   * Points the report at a new snapshot — unless a newer one is already in place (two
   * generations racing: the later `generatedAt` wins). Returns false when it was older.
   */
  markReady(workspaceId: string, campaignId: string, type: ReportType, snapshot: { generatedAt: string; snapshotKey: string; range: ReportRange }): Promise<boolean>;
  /** Records why a generation failed; the previous snapshot and its time stay. */
  markFailed(workspaceId: string, campaignId: string, type: ReportType, at: string, error: string): Promise<void>;

  getSettings(workspaceId: string, campaignId: string): Promise<ReportSettings | undefined>;
  /** Saves the settings and keeps the dispatch index (for the hourly sweep) in step. */
  putSettings(workspaceId: string, campaignId: string, settings: ReportSettings): Promise<void>;
  /** Every campaign with a dispatch on (daily or weekly). */
  listDispatches(): Promise<DispatchEntry[]>;
  /** Claims one dispatch slot (the hour it is due, ISO): false when that slot was already sent. */
  claimDispatch(workspaceId: string, campaignId: string, slot: string): Promise<boolean>;

  createList(job: RecipientListJob): Promise<void>;
  getList(workspaceId: string, campaignId: string, id: string): Promise<RecipientListJob | undefined>;
  updateList(workspaceId: string, campaignId: string, id: string, patch: Partial<Pick<RecipientListJob, 'state' | 'rows' | 'files' | 'error' | 'updatedAt'>>): Promise<void>;
}

/** Messages on the reportJobs queue. */
export type ReportMessage =
  | { readonly kind: 'generate'; readonly workspaceId: string; readonly campaignId: string; readonly types: readonly ReportType[]; readonly range: ReportRange; readonly requestedAt: string }
  | { readonly kind: 'list'; readonly workspaceId: string; readonly campaignId: string; readonly listId: string }
  | { readonly kind: 'dispatch'; readonly workspaceId: string; readonly campaignId: string; readonly slot: string };
