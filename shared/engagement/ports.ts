/** Where the projector keeps what it derives from the lake (DynamoDB `engagement` table in both hosts). */
import type { CampaignComment, CampaignEngagement, EngagementSettings, TimelineEntry } from './model';

export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

/** Counter changes for one campaign from one lake object. */
export type CampaignDelta = Partial<{
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
  opens: number;
  uniqueOpens: number;
  machineOpens: number;
  clicks: number;
  uniqueClicks: number;
  machineClicks: number;
  pageViews: number;
  unsubscribes: number;
  forwards: number;
  comments: number;
}>;

export interface EngagementStore {
  /** Idempotent: an entry is keyed by its event id. */
  putTimeline(workspaceId: string, entries: readonly { readonly email: string; readonly entry: TimelineEntry }[]): Promise<void>;
  listTimeline(workspaceId: string, email: string, options: { readonly limit: number; readonly cursor?: string }): Promise<Page<TimelineEntry>>;
  putComments(workspaceId: string, campaignId: string, comments: readonly CampaignComment[]): Promise<void>;
  listComments(workspaceId: string, campaignId: string, options: { readonly limit: number; readonly cursor?: string }): Promise<Page<CampaignComment>>;
  /** Adds the delta once per (campaign, lake object): false when the object was applied already. */
  applyCampaign(workspaceId: string, campaignId: string, delta: CampaignDelta, lastActivityAt: string | undefined, objectKey: string): Promise<boolean>;
  getCampaign(workspaceId: string, campaignId: string): Promise<CampaignEngagement>;
  getSettings(workspaceId: string): Promise<EngagementSettings>;
  /** Remembers that a workspace has scored contacts (the daily decay sweep visits those). */
  noteWorkspace(workspaceId: string): Promise<void>;
  workspaces(): Promise<readonly string[]>;
  putSettings(workspaceId: string, settings: EngagementSettings): Promise<void>;
}

/** The delivery ledger's first human open / click of a recipient in a run (resends to openers and clickers read them). */
export interface FirstActions {
  /** True when this lake object is the one that noted the first action (so unique counts stay exact on retries). */
  note(runId: string, email: string, kind: 'open' | 'click', at: string, objectKey: string): Promise<boolean>;
}
