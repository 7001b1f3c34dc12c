/**
 * Campaigns (OMICard 任務), their runs, approval settings (審核設定) and sending points (點數):
 * the API shapes, type-only from shared/ where they exist (erased from the bundle), and typed calls
 * over the shared client. The few lists the forms offer (charsets, statuses, types) are repeated
 * here because the console imports no runtime code from shared/; the checks below make the
 * compiler refuse a list that drifts from the API's.
 */
import { type ApiClient, type Role } from './api';
import { type RuleTree } from './catalog-api';
import type {
  ApprovalStep,
  AuditEntry,
  Campaign as ApiCampaign,
  CampaignContent,
  CampaignSchedule,
  CampaignStatus,
  CampaignType,
  MailCharset,
  PreviousRecipients,
  RunProgress,
  RunStatus,
} from '../../shared/campaigns/model';
import type { Quota, QuotaOwnerKind } from '../../shared/quotas/model';
import type { PresendFinding } from '../../shared/content/render-types';

export type {
  ApprovalStep,
  AuditEntry,
  CampaignContent,
  CampaignSchedule,
  CampaignStatus,
  CampaignType,
  MailCharset,
  PreviousRecipients,
  PresendFinding,
  Quota,
  QuotaOwnerKind,
  RunProgress,
  RunStatus,
};

// ---- the API's lists, repeated (shared/campaigns/model.ts) -------------------------------------

/** Exactly the members of `U`, no more and no fewer: `true` when the list matches the union. */
type Exactly<L extends readonly unknown[], U> = [U] extends [L[number]] ? ([L[number]] extends [U] ? true : false) : false;
const same = <T extends true>(value: T) => value;

export const campaignTypes = ['formal', 'test', 'triggered'] as const satisfies readonly CampaignType[];
export const campaignStatuses = ['draft', 'awaiting_approval', 'approved', 'scheduled', 'sending', 'paused', 'cancelled', 'completed'] as const satisfies readonly CampaignStatus[];
export const runStatuses = ['scheduled', 'planning', 'sending', 'paused', 'cancelled', 'completed', 'failed'] as const satisfies readonly RunStatus[];
export const mailCharsets = [
  'UTF-8',
  'Big5',
  'GB2312',
  'GBK',
  'GB18030',
  'Shift_JIS',
  'ISO-2022-JP',
  'EUC-JP',
  'EUC-KR',
  'ISO-8859-1',
  'ISO-8859-2',
  'ISO-8859-15',
  'Windows-1252',
] as const satisfies readonly MailCharset[];
export const previousRecipients = ['all', 'nonOpeners', 'openers', 'clickers', 'failed'] as const satisfies readonly PreviousRecipients[];

same<Exactly<typeof campaignTypes, CampaignType>>(true);
same<Exactly<typeof campaignStatuses, CampaignStatus>>(true);
same<Exactly<typeof runStatuses, RunStatus>>(true);
same<Exactly<typeof mailCharsets, MailCharset>>(true);
same<Exactly<typeof previousRecipients, PreviousRecipients>>(true);

/** A test goes to at most this many people (shared/campaigns/schemas.ts maxTestRecipients). */
export const maxTestRecipients = 10;

/** Campaigns in these states can still be edited (an approved or awaiting one goes back to draft). */
export const editableStatuses: readonly CampaignStatus[] = ['draft', 'awaiting_approval', 'approved'];
/** Runs still moving: their page polls. */
export const activeRunStatuses: readonly RunStatus[] = ['planning', 'sending'];

// ---- audience: the API's eight sources, over the console's (mutable) rule tree -------------------

export type AudienceSource =
  | { kind: 'list'; lines: string[] }
  | { kind: 'upload'; key: string; fileName: string }
  | { kind: 'url'; url: string }
  | { kind: 'groups'; groupIds: string[] }
  | { kind: 'categories'; categoryIds: string[] }
  | { kind: 'campaign'; campaignId: string; runId?: string; who: PreviousRecipients }
  | { kind: 'segment'; segmentId: string }
  | { kind: 'query'; rules: RuleTree };

export type AudienceKind = AudienceSource['kind'];

/** In the order the audience editor offers them; `upload` is shown for campaigns that have one (no console upload yet). */
export const audienceKinds = ['list', 'groups', 'categories', 'segment', 'query', 'url', 'campaign', 'upload'] as const satisfies readonly AudienceKind[];
same<Exactly<typeof audienceKinds, AudienceKind>>(true);

export interface Audience {
  sources: AudienceSource[];
  exclusions: AudienceSource[];
}

/** A campaign as the API returns it, its audience in the console's types. */
export type Campaign = Omit<ApiCampaign, 'audience'> & { readonly audience: Audience };

export interface AudienceSummary {
  readonly total: number;
  readonly duplicates: number;
  readonly invalid: number;
  readonly corrected: number;
  readonly suppressed: number;
  readonly excluded: number;
}

export interface CampaignRun {
  readonly id: string;
  readonly campaignId: string;
  readonly status: RunStatus;
  readonly type: CampaignType;
  readonly content: CampaignContent;
  readonly audience: Audience;
  readonly resendOf?: { readonly runId: string; readonly who: PreviousRecipients };
  readonly launchedBy: string;
  readonly launchedAt: string;
  readonly parts?: number;
  readonly audienceSummary?: AudienceSummary;
  readonly progress: RunProgress;
  readonly pointsReserved?: number;
  readonly pointsUsed?: number;
  readonly error?: { readonly code: string; readonly detail: string };
  readonly finishedAt?: string;
  readonly updatedAt: string;
}

/** What the content form sends (the API fills charset and attachments when left out). */
export type ContentInput = Omit<CampaignContent, 'attachments' | 'charset'> & { charset?: MailCharset; attachments?: CampaignContent['attachments'] };

export interface CampaignInput {
  name?: string;
  type?: CampaignType;
  content?: ContentInput;
  audience?: Audience;
  schedule?: CampaignSchedule | null;
}

export interface LaunchResult {
  readonly campaign: Campaign;
  readonly run?: CampaignRun;
}

export interface PreviewRequest {
  contactId?: string;
  email?: string;
  fields?: Record<string, unknown>;
}

export interface PreviewResult {
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly charset: string;
  readonly html: string;
  readonly text: string;
  readonly attachmentNames: readonly string[];
  readonly sizeBytes: number;
  readonly findings: readonly PresendFinding[];
}

export interface ApprovalSettings {
  readonly rolesRequiringApproval: readonly Role[];
  /** sequential = 層簽 (each in turn); parallel = 會簽 (all, any order). */
  readonly mode: 'sequential' | 'parallel';
  readonly approverIds: readonly string[];
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

/** The presigned PUT for an EDM file (ZIP, HTML, DOCX) into the uploads bucket. */
export interface ContentUpload {
  readonly key: string;
  readonly uploadUrl: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ContentImport {
  readonly campaign: Campaign;
  readonly warnings: readonly string[];
}

interface Items<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

const seg = (id: string) => encodeURIComponent(id);

export function campaignsApi(api: ApiClient) {
  const { request } = api;
  const action = <T>(id: string, name: string, body?: unknown) => request<T>('POST', `/campaigns/${seg(id)}/${name}`, body === undefined ? {} : { body });
  return {
    listCampaigns: (params: { cursor?: string; status?: CampaignStatus; limit?: number } = {}) => {
      const query = new URLSearchParams();
      if (params.cursor) query.set('cursor', params.cursor);
      if (params.status) query.set('status', params.status);
      if (params.limit) query.set('limit', String(params.limit));
      const search = query.toString();
      return request<Items<Campaign>>('GET', `/campaigns${search ? `?${search}` : ''}`);
    },
    createCampaign: (input: CampaignInput & { name: string; content: ContentInput }) => request<Campaign>('POST', '/campaigns', { body: input }),
    getCampaign: (id: string) => request<Campaign>('GET', `/campaigns/${seg(id)}`),
    updateCampaign: (id: string, changes: CampaignInput, version?: number) =>
      request<Campaign>('PATCH', `/campaigns/${seg(id)}`, { body: changes, ...(version !== undefined ? { headers: { 'if-match': String(version) } } : {}) }),
    deleteCampaign: (id: string) => request<void>('DELETE', `/campaigns/${seg(id)}`),
    cloneCampaign: (id: string) => action<Campaign>(id, 'clone'),

    submit: (id: string, comment?: string) => action<Campaign>(id, 'submit', comment ? { comment } : {}),
    approve: (id: string, comment?: string) => action<Campaign>(id, 'approve', comment ? { comment } : {}),
    reject: (id: string, comment: string) => action<Campaign>(id, 'reject', { comment }),

    launch: (id: string, schedule?: CampaignSchedule) => action<LaunchResult>(id, 'launch', schedule ? { schedule } : {}),
    pause: (id: string) => action<LaunchResult>(id, 'pause'),
    resume: (id: string) => action<LaunchResult>(id, 'resume'),
    cancel: (id: string) => action<LaunchResult>(id, 'cancel', {}),
    resend: (id: string, who: PreviousRecipients) => action<LaunchResult>(id, 'resend', { who }),
    testSend: (id: string, lines: string[]) => action<{ run: CampaignRun }>(id, 'test', { lines }),
    preview: (id: string, input: PreviewRequest) => action<PreviewResult>(id, 'preview', input),

    listRuns: (id: string) => request<Items<CampaignRun>>('GET', `/campaigns/${seg(id)}/runs`),
    getRun: (id: string, runId: string) => request<CampaignRun>('GET', `/campaigns/${seg(id)}/runs/${seg(runId)}`),

    contentUpload: (id: string, file: { fileName: string; contentType: string; size: number }) => action<ContentUpload>(id, 'content/upload', file),
    contentImport: (id: string, key: string) => action<ContentImport>(id, 'content/import', { key }),
    audienceUpload: (id: string, file: { fileName: string; contentType: string; size: number }) => action<ContentUpload & { fileName: string }>(id, 'audience/upload', file),

    getApprovalSettings: () => request<ApprovalSettings>('GET', '/settings/approval'),
    putApprovalSettings: (settings: Pick<ApprovalSettings, 'rolesRequiringApproval' | 'mode' | 'approverIds'>) =>
      request<ApprovalSettings>('PUT', '/settings/approval', { body: settings }),

    listQuotas: () => request<Items<Quota>>('GET', '/quotas'),
    setQuota: (kind: QuotaOwnerKind, id: string, balance: number) =>
      request<Quota>('PUT', `/quotas/${kind === 'user' ? 'users' : 'departments'}/${seg(id)}`, { body: { balance } }),
  };
}

export type CampaignsApi = ReturnType<typeof campaignsApi>;

// ---- pure helpers (the pages' wording of schedules and test lists) -----------------------------

/** Non-empty, trimmed lines of a textarea. */
export function linesOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** `2026-12-04T09:00` (a datetime-local value) → `at(2026-12-04T09:00:00)`; undefined when not a date-time. */
export function atExpression(local: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!match) return undefined;
  return `at(${match[1]}T${match[2]}:${match[3]}:${match[4] ?? '00'})`;
}

/** `0 9 * * ? *` or `cron(0 9 * * ? *)` → `cron(0 9 * * ? *)`; undefined when it has not the six fields. */
export function cronExpression(text: string): string | undefined {
  const inner = text.trim().replace(/^cron\((.*)\)$/s, '$1').trim();
  const parts = inner.split(/\s+/);
  return parts.length === 6 && parts.every((part) => part !== '') ? `cron(${parts.join(' ')})` : undefined;
}

/** Recurring presets the launch form offers (EventBridge Scheduler cron: minute hour day month weekday year). */
export const cronPresets = [
  { id: 'daily', expression: 'cron(0 9 * * ? *)' },
  { id: 'weekdays', expression: 'cron(0 9 ? * MON-FRI *)' },
  { id: 'weekly', expression: 'cron(0 9 ? * MON *)' },
  { id: 'monthly', expression: 'cron(0 9 1 * ? *)' },
] as const;

/** Time zones offered for schedules; the browser's own comes first when it is not listed. */
export const timezones = ['Asia/Taipei', 'Asia/Hong_Kong', 'Asia/Shanghai', 'Asia/Singapore', 'Asia/Tokyo', 'Asia/Seoul', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'UTC'] as const;

/** A fresh source of a kind, as the audience editor adds it. */
export function newSource(kind: AudienceKind): AudienceSource {
  switch (kind) {
    case 'list':
      return { kind, lines: [] };
    case 'upload':
      return { kind, key: '', fileName: '' };
    case 'url':
      return { kind, url: '' };
    case 'groups':
      return { kind, groupIds: [] };
    case 'categories':
      return { kind, categoryIds: [] };
    case 'campaign':
      return { kind, campaignId: '', who: 'all' };
    case 'segment':
      return { kind, segmentId: '' };
    case 'query':
      return { kind, rules: { match: 'all', conditions: [{ field: 'status', op: 'eq', value: 'active' }] } };
  }
}
