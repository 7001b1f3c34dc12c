/**
 * Campaigns (OMICard 任務): what a marketer composes, who approves it, and each run that sends it.
 * The types here are the contract between the campaigns, content, audience and delivery modules.
 */
import type { RuleTree } from '../segments/rules';

/** test: ≤ 10 recipients, lowest lane, kept out of reports; formal; triggered: one recipient per run, highest lane. */
export const campaignTypes = ['test', 'formal', 'triggered'] as const;
export type CampaignType = (typeof campaignTypes)[number];

export const campaignStatuses = ['draft', 'awaiting_approval', 'approved', 'scheduled', 'sending', 'paused', 'cancelled', 'completed'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

/** Charsets a campaign's MIME may be written in (iconv-lite names; UTF-8 by default). */
export const mailCharsets = ['UTF-8', 'Big5', 'GB2312', 'GBK', 'GB18030', 'Shift_JIS', 'ISO-2022-JP', 'EUC-JP', 'EUC-KR', 'ISO-8859-1', 'ISO-8859-2', 'ISO-8859-15', 'Windows-1252'] as const;
export type MailCharset = (typeof mailCharsets)[number];

export type AttachmentSpec =
  /** A file uploaded to the assets bucket; `name` may hold merge tags; `asLink` sends a download link instead. */
  | { readonly kind: 'file'; readonly key: string; readonly name: string; readonly contentType: string; readonly size: number; readonly asLink?: boolean }
  /** A PDF generated per recipient from a Liquid HTML-ish template; optionally encrypted with a password from a merge field. */
  | { readonly kind: 'pdf'; readonly name: string; readonly template: string; readonly passwordField?: string };

export interface CampaignContent {
  /** Every text below is a LiquidJS template over the recipient's fields (`{{ name | default: "會員" }}`, `{{ custom.tier }}`). */
  readonly subject: string;
  readonly preheader?: string;
  readonly fromName?: string;
  readonly fromEmail: string;
  readonly replyTo?: readonly string[];
  /** Display name for the recipient in To:. */
  readonly toName?: string;
  readonly html: string;
  /** Generated from the HTML when absent. */
  readonly text?: string;
  readonly charset: MailCharset;
  readonly attachments: readonly AttachmentSpec[];
  /** Where a ZIP EDM's files were unpacked in the assets bucket (`edm/<ws>/<campaignId>/<uploadId>/`). */
  readonly assetsPrefix?: string;
  /** Where the HTML came from (for the console). */
  readonly source?: 'editor' | 'html' | 'zip' | 'docx';
}

export type PreviousRecipients = 'all' | 'openers' | 'clickers' | 'nonOpeners' | 'failed';

/** OMICard's eight audience inputs. */
export type AudienceSource =
  /** Typed list: one recipient a line, `email` or `email,name` (or a phone later). */
  | { readonly kind: 'list'; readonly lines: readonly string[] }
  /** A CSV / XLSX uploaded through an import-style presigned upload (uploads bucket key). */
  | { readonly kind: 'upload'; readonly key: string; readonly fileName: string }
  /** A CSV fetched at launch from a public http(s) URL (guarded: public addresses only, size and time limits). */
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'groups'; readonly groupIds: readonly string[] }
  | { readonly kind: 'categories'; readonly categoryIds: readonly string[] }
  | { readonly kind: 'campaign'; readonly campaignId: string; readonly runId?: string; readonly who: PreviousRecipients }
  | { readonly kind: 'segment'; readonly segmentId: string }
  /** A typed query: segment rules inline. */
  | { readonly kind: 'query'; readonly rules: RuleTree };

export interface AudienceSpec {
  readonly sources: readonly AudienceSource[];
  /** Recipients in any of these are left out (e.g. a competitor list, last week's buyers). */
  readonly exclusions: readonly AudienceSource[];
}

export interface CampaignSchedule {
  /** EventBridge Scheduler expression: `at(2026-12-04T09:00:00)` or `cron(0 9 * * ? *)`. */
  readonly expression: string;
  readonly timezone: string;
}

export interface AuditEntry {
  readonly at: string;
  /** User or API key id. */
  readonly by: string;
  readonly action: string;
  readonly from?: CampaignStatus;
  readonly to?: CampaignStatus;
  readonly comment?: string;
}

export interface ApprovalStep {
  readonly approverId: string;
  readonly decision?: 'approved' | 'rejected';
  readonly at?: string;
  readonly comment?: string;
}

export interface Approval {
  /** sequential = 層簽 (each in turn); parallel = 會簽 (all of the set, any order). */
  readonly mode: 'sequential' | 'parallel';
  readonly steps: readonly ApprovalStep[];
  readonly requestedBy: string;
  readonly requestedAt: string;
}

export interface Campaign {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly type: CampaignType;
  readonly status: CampaignStatus;
  readonly content: CampaignContent;
  readonly audience: AudienceSpec;
  readonly schedule?: CampaignSchedule;
  readonly approval?: Approval;
  /** Newest last; kept on the campaign (bounded: transitions are few). */
  readonly audit: readonly AuditEntry[];
  readonly createdBy: string;
  readonly departmentId?: string;
  readonly clonedFrom?: string;
  readonly lastRunId?: string;
  /** Who launched it last and their department (additive): recurring fires draw on their quotas. */
  readonly launchedBy?: string;
  readonly launchedByDepartment?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export const runStatuses = ['scheduled', 'planning', 'sending', 'paused', 'cancelled', 'completed', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];

export interface RunProgress {
  /** Recipients after correction, dedupe, suppression and exclusions. */
  readonly total: number;
  readonly queued: number;
  readonly sent: number;
  readonly failed: number;
  readonly suppressed: number;
  readonly cancelled: number;
  /** Friends a recipient forwarded the message to, sent outside the run's audience (and points). */
  readonly forwarded?: number;
}

/** One send of a campaign (the first, a resend, a recurring fire), with everything as it was at launch. */
export interface CampaignRun {
  readonly id: string;
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly status: RunStatus;
  readonly type: CampaignType;
  /** Snapshot at launch: later edits to the campaign never change what this run sends. */
  readonly content: CampaignContent;
  readonly audience: AudienceSpec;
  /** For resends: the earlier run and who of it. */
  readonly resendOf?: { readonly runId: string; readonly who: PreviousRecipients };
  readonly launchedBy: string;
  readonly launchedByDepartment?: string;
  readonly launchedAt: string;
  /** Set by the planner once the audience is frozen. */
  readonly parts?: number;
  /** The planner's watch chain step (a duplicated watch message must not fork the chain). */
  readonly watchSeq?: number;
  readonly audienceSummary?: { readonly total: number; readonly duplicates: number; readonly invalid: number; readonly corrected: number; readonly suppressed: number; readonly excluded: number };
  readonly progress: RunProgress;
  readonly pointsReserved?: number;
  readonly pointsUsed?: number;
  readonly error?: { readonly code: string; readonly detail: string };
  readonly finishedAt?: string;
  readonly updatedAt: string;
  readonly version: number;
}
