/**
 * Where campaigns, their runs and the workspace's approval settings live. Adapter:
 * shared/adapters/aws/campaign-store.dynamodb.ts (the campaigns table).
 */
import type { ApprovalSettings } from './lifecycle';
import type { Campaign, CampaignRun, RunStatus } from './model';

export interface CampaignPage {
  readonly items: Campaign[];
  /** Pass as `cursor` to read on; absent at the end. */
  readonly next?: string;
}

/** Preconditions of a run update; any that is set must hold, else StaleVersionError. */
export interface RunCondition {
  readonly status?: RunStatus | readonly RunStatus[];
  readonly version?: number;
  /** The planner's "fan out once": parts not yet recorded. */
  readonly partsAbsent?: boolean;
  /** The watch chain's step (absent counts as 0): one copy of a duplicated watch message advances it. */
  readonly watchSeq?: number;
}

export type RunPatch = Partial<Omit<CampaignRun, 'id' | 'workspaceId' | 'campaignId' | 'version'>>;

export interface CampaignStore {
  /** Newest first (ids are ULIDs). */
  listCampaigns(workspaceId: string, options: { limit: number; cursor?: string }): Promise<CampaignPage>;
  getCampaign(workspaceId: string, id: string): Promise<Campaign | undefined>;
  /** Creates (previousVersion undefined) or replaces at that version; StaleVersionError otherwise. */
  putCampaign(campaign: Campaign, previousVersion?: number): Promise<void>;
  /** Deletes at that version; StaleVersionError otherwise. */
  deleteCampaign(workspaceId: string, id: string, version: number): Promise<void>;

  /** Creates a run (fails with StaleVersionError if the id exists). */
  createRun(run: CampaignRun): Promise<void>;
  getRun(workspaceId: string, campaignId: string, runId: string): Promise<CampaignRun | undefined>;
  /** Newest first. */
  listRuns(workspaceId: string, campaignId: string): Promise<CampaignRun[]>;
  /** Sets the patch's fields (version + 1) when the condition holds; returns the run as written. */
  updateRun(workspaceId: string, campaignId: string, runId: string, patch: RunPatch, condition?: RunCondition): Promise<CampaignRun>;
  /** Adds to progress counters atomically (workers report concurrently). */
  addRunProgress(workspaceId: string, campaignId: string, runId: string, delta: Partial<Record<keyof CampaignRun['progress'], number>>): Promise<void>;

  getApprovalSettings(workspaceId: string): Promise<ApprovalSettings | undefined>;
  putApprovalSettings(workspaceId: string, settings: ApprovalSettings): Promise<void>;
}
