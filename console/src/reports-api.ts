/**
 * Two-stage reports (OMICard 報表管理) of one campaign: typed calls for the routes under
 * `/campaigns/{id}/reports` (shared/reports/README.md), and the pure helpers the Reports tab
 * decides with (grouping, polling, the settings form, the list form), which
 * test/unit/console-reports.test.ts exercises.
 *
 * The shapes are type-only from shared/reports/model.ts. The catalogue's lists (types, categories,
 * recipient lists, frequencies) are imported as values from the same file: it is plain data with no
 * imports, as are labels.ts and render/format.ts, which the console shares with the PDF and XLSX
 * writers so a report reads the same everywhere.
 */
import { type ApiClient } from './api';
import { type Campaign } from './campaigns-api';
import { numericValue } from '../../shared/reports/render/format';
import {
  dispatchFrequencies,
  recipientLists,
  reportCategories,
  reportCategoryOf,
  reportTypes,
  type DispatchFrequency,
  type DownloadFormat,
  type GenerationState,
  type ListFile,
  type ListFormat,
  type RecipientList,
  type RecipientListJob,
  type ReportCategory,
  type ReportDispatch,
  type ReportLanguage,
  type ReportSettings,
  type ReportSnapshot,
  type ReportStatus,
  type ReportType,
  type CellValue,
  type ValueFormat,
} from '../../shared/reports/model';

export { dispatchFrequencies, recipientLists, reportCategories, reportCategoryOf, reportTypes };
export type {
  DispatchFrequency,
  DownloadFormat,
  GenerationState,
  ListFile,
  ListFormat,
  RecipientList,
  RecipientListJob,
  ReportCategory,
  ReportDispatch,
  ReportLanguage,
  ReportSettings,
  ReportSnapshot,
  ReportStatus,
  ReportType,
};

export interface ReportsOverview {
  readonly settings: ReportSettings;
  readonly reports: readonly ReportStatus[];
}

export interface ReportView {
  readonly status: ReportStatus;
  readonly snapshot?: ReportSnapshot;
}

export interface GenerateInput {
  readonly types?: readonly ReportType[];
  /** Days `YYYY-MM-DD` (UTC partitions), inclusive. */
  readonly from?: string;
  readonly to?: string;
}

export interface DownloadLink {
  readonly url: string;
  readonly fileName: string;
}

export interface ReportSettingsInput {
  readonly types: readonly ReportType[];
  readonly dispatch: Omit<ReportDispatch, 'lastSentFor'>;
}

/** 202 from POST …/reports/dispatch: queued for these addresses, with these reports. */
export interface DispatchAnswer {
  readonly queued: boolean;
  readonly recipients?: readonly string[];
  readonly types?: readonly ReportType[];
}

export interface RecipientListInput {
  readonly list: RecipientList;
  readonly format: ListFormat;
  readonly language: ReportLanguage;
  readonly maxRowsPerFile?: number;
  readonly linkIndex?: number;
}

/** A list job as the API answers it: once completed, each file carries a presigned link (and no key). */
export type RecipientListJobView = Omit<RecipientListJob, 'files'> & { readonly files: readonly (Partial<ListFile> & { readonly name: string; readonly rows: number; readonly url?: string })[] };

const seg = (id: string) => encodeURIComponent(id);
const base = (campaignId: string) => `/campaigns/${seg(campaignId)}/reports`;

export function reportsApi(api: ApiClient) {
  const { request } = api;
  return {
    listReports: (campaignId: string) => request<ReportsOverview>('GET', base(campaignId)),
    generateReports: (campaignId: string, input: GenerateInput = {}) =>
      request<{ reports: readonly ReportStatus[] }>('POST', `${base(campaignId)}/generate`, { body: input }),
    getReport: (campaignId: string, type: ReportType) => request<ReportView>('GET', `${base(campaignId)}/${seg(type)}`),
    downloadReport: (campaignId: string, type: ReportType, input: { format: DownloadFormat; language: ReportLanguage }) =>
      request<DownloadLink>('POST', `${base(campaignId)}/${seg(type)}/download`, { body: input }),
    putReportSettings: (campaignId: string, settings: ReportSettingsInput) => request<ReportSettings>('PUT', `${base(campaignId)}/settings`, { body: settings }),
    dispatchReports: (campaignId: string) => request<DispatchAnswer>('POST', `${base(campaignId)}/dispatch`, { body: {} }),
    createRecipientList: (campaignId: string, input: RecipientListInput) => request<RecipientListJobView>('POST', `${base(campaignId)}/lists`, { body: input }),
    getRecipientList: (campaignId: string, listId: string) => request<RecipientListJobView>('GET', `${base(campaignId)}/lists/${seg(listId)}`),
    /** Campaigns side by side from their latest snapshots (1 … 20 ids; no query over the lake). */
    compareCampaigns: (ids: readonly string[]) => request<Comparison>('GET', `/reports/comparison?${comparisonQuery(ids)}`),
  };
}

export type ReportsApi = ReturnType<typeof reportsApi>;

// ---- pure helpers --------------------------------------------------------------------------------

/** The catalogue in display order, by category; categories without a report are left out. */
export function catalogueByCategory(): { category: ReportCategory; types: ReportType[] }[] {
  return reportCategories
    .map((category) => ({ category, types: reportTypes.filter((type) => reportCategoryOf[type] === category) }))
    .filter((group) => group.types.length > 0);
}

/** A status for every type: what the API sent, or "never generated" for a type it left out. */
export function statusesByType(reports: readonly ReportStatus[]): Record<ReportType, ReportStatus> {
  const byType = {} as Record<ReportType, ReportStatus>;
  for (const type of reportTypes) byType[type] = { type, state: 'idle' };
  for (const status of reports) if ((reportTypes as readonly string[]).includes(status.type)) byType[status.type] = status;
  return byType;
}

/**
 * What the catalogue says of a report: generating, failed (the previous snapshot may still be
 * there), generated, or never generated.
 */
export type ReportStateView = 'generating' | 'failed' | 'ready' | 'never';

export function stateOf(status: ReportStatus | undefined): ReportStateView {
  if (!status) return 'never';
  if (isPending(status)) return 'generating';
  if (status.state === 'failed') return 'failed';
  return status.generatedAt ? 'ready' : 'never';
}

/**
 * Still being generated: the worker says so, or a request is newer than both the last snapshot and
 * the last failure (the queue has not reached it yet).
 */
export function isPending(status: ReportStatus): boolean {
  if (status.state === 'generating') return true;
  if (!status.requestedAt) return false;
  const requested = Date.parse(status.requestedAt);
  if (Number.isNaN(requested)) return false;
  const later = (at?: string) => at !== undefined && !Number.isNaN(Date.parse(at)) && Date.parse(at) >= requested;
  return !later(status.generatedAt) && !later(status.failedAt);
}

/** Polling while a report generates: every 2 s for two minutes, then every 10 s (a stuck queue should not hammer the API). */
export const reportPollMs = 2000;
export const slowPollMs = 10_000;
export const slowAfterMs = 120_000;

export function nextPollDelay(elapsedMs: number): number {
  return elapsedMs < slowAfterMs ? reportPollMs : slowPollMs;
}

/** Whether the snapshot shown is older than the status says the latest is (read the report again). */
export function snapshotIsStale(status: ReportStatus, snapshot: ReportSnapshot | undefined): boolean {
  if (!status.generatedAt) return false;
  return snapshot?.generatedAt !== status.generatedAt;
}

/** List jobs move queued → running → completed | failed; poll until they stop. */
export const listPollMs = 1500;
export const listJobDone = (job: Pick<RecipientListJob, 'state'>): boolean => job.state === 'completed' || job.state === 'failed';

// ---- the recipient-list form --------------------------------------------------------------------

/** Rows per list file the form offers (the API takes 1 … 1,000,000; fewer than 100 a file is never useful). */
export const rowsPerFileRange = { min: 100, max: 1_000_000, default: 50_000 } as const;

export type NumberProblem = 'integer' | 'range';

/** A whole number typed in a field (thousands separators allowed), or why it is not one in range. */
export function wholeNumberOf(text: string, range: { min: number; max: number }): { value: number } | { problem: NumberProblem } {
  const cleaned = text.trim().replace(/[,\s_]/g, '');
  if (!/^\d+$/.test(cleaned)) return { problem: 'integer' };
  const value = Number(cleaned);
  return value < range.min || value > range.max ? { problem: 'range' } : { value };
}

/** Link numbers as the reports show them and the API takes them: 1 = the first link in the message. */
export const linkNumberRange = { min: 1, max: 1000 } as const;

/**
 * The body of POST …/reports/lists, or the fields to fix first. Only clickers take a link; the
 * list's headers (and coded cells) are in `language`, the console's.
 */
export function listInputOf(
  form: { list: RecipientList; format: ListFormat; rowsPerFile: string; linkNumber: string },
  language: ReportLanguage,
): { input: RecipientListInput } | { problems: Partial<Record<'maxRowsPerFile' | 'linkIndex', NumberProblem>> } {
  const problems: Partial<Record<'maxRowsPerFile' | 'linkIndex', NumberProblem>> = {};
  const rows = wholeNumberOf(form.rowsPerFile, rowsPerFileRange);
  if ('problem' in rows) problems.maxRowsPerFile = rows.problem;
  let linkIndex: number | undefined;
  if (form.list === 'clickers' && form.linkNumber.trim() !== '') {
    const link = wholeNumberOf(form.linkNumber, linkNumberRange);
    if ('problem' in link) problems.linkIndex = link.problem;
    else linkIndex = link.value;
  }
  if (Object.keys(problems).length > 0 || 'problem' in rows) return { problems };
  return { input: { list: form.list, format: form.format, language, maxRowsPerFile: rows.value, ...(linkIndex !== undefined ? { linkIndex } : {}) } };
}

// ---- the settings form --------------------------------------------------------------------------

/** The settings form: inputs hold text; recipients as typed (commas or lines). */
export interface SettingsForm {
  types: ReportType[];
  frequency: DispatchFrequency;
  weekday: number;
  hour: number;
  timeZone: string;
  format: 'pdf' | 'xlsx';
  language: ReportLanguage;
  recipients: string;
}

export function settingsFormOf(settings: ReportSettings): SettingsForm {
  const { dispatch } = settings;
  return {
    // In catalogue order, whatever order the API keeps them in.
    types: reportTypes.filter((type) => settings.types.includes(type)),
    frequency: dispatch.frequency,
    weekday: dispatch.weekday,
    hour: dispatch.hour,
    timeZone: dispatch.timeZone,
    format: dispatch.format,
    language: dispatch.language,
    recipients: dispatch.recipients.join('\n'),
  };
}

const emailPattern = /^[^\s@,;<>()]+@[^\s@,;<>()]+\.[^\s@,;<>()]+$/;

/**
 * The recipients field: addresses split at commas, semicolons, spaces or line breaks (as people
 * paste them from mail clients, `Name <a@b.tw>` included), each once whatever its case.
 */
export function parseRecipients(text: string): { emails: string[]; invalid: string[] } {
  const emails: string[] = [];
  const invalid: string[] = [];
  const seen = new Set<string>();
  for (const piece of text.split(/[,;\n\r\t ，；、]+/)) {
    const bracketed = /<([^<>]+)>/.exec(piece);
    const candidate = (bracketed?.[1] ?? piece).trim().replace(/^["'<]+|["'>]+$/g, '');
    if (!candidate) continue;
    if (!emailPattern.test(candidate)) {
      // A display name's words alone ("王小明" before "<…>") are not addresses to complain about.
      if (!candidate.includes('@') && /<[^<>]*@/.test(text)) continue;
      invalid.push(candidate);
      continue;
    }
    const key = candidate.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    emails.push(candidate);
  }
  return { emails, invalid };
}

/** The body of PUT …/reports/settings, or the fields the form must fix first. */
export function settingsInputOf(form: SettingsForm): { input: ReportSettingsInput } | { problems: Partial<Record<'dispatch.recipients' | 'dispatch.timeZone', string[]>> } {
  const { emails, invalid } = parseRecipients(form.recipients);
  const problems: Partial<Record<'dispatch.recipients' | 'dispatch.timeZone', string[]>> = {};
  if (invalid.length > 0) problems['dispatch.recipients'] = invalid;
  if (!isTimeZone(form.timeZone.trim())) problems['dispatch.timeZone'] = [form.timeZone];
  if (Object.keys(problems).length > 0) return { problems };
  return {
    input: {
      types: reportTypes.filter((type) => form.types.includes(type)),
      dispatch: { frequency: form.frequency, weekday: form.weekday, hour: form.hour, timeZone: form.timeZone.trim(), format: form.format, language: form.language, recipients: emails },
    },
  };
}

/** An IANA zone the browser knows (the API checks the same way, with Intl). */
export function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// ---- merging statuses ---------------------------------------------------------------------------

const isReportType = (value: string): value is ReportType => (reportTypes as readonly string[]).includes(value);

/** `a` before `b`, when both are times; false when either is missing. */
const before = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && Date.parse(a) < Date.parse(b);

/**
 * Statuses from an answer merged into those shown. An answer read before a newer request or
 * snapshot the page already knows of (a list poll that crossed a Regenerate) is dropped for that
 * report, so the page never steps back to "ready" while its own request is queued.
 */
export function mergeStatuses(current: Readonly<Record<ReportType, ReportStatus>>, incoming: readonly ReportStatus[]): Record<ReportType, ReportStatus> {
  const next = { ...current };
  for (const status of incoming) {
    if (!isReportType(status.type)) continue;
    const shown = current[status.type];
    if (shown && (before(status.requestedAt, shown.requestedAt) || before(status.generatedAt, shown.generatedAt))) continue;
    next[status.type] = status;
  }
  return next;
}

// ---- comparing campaigns (報表管理, #/reports) -----------------------------------------------------

/** One campaign's row of GET /reports/comparison: figures from its latest snapshots, absent where none was generated. */
export interface ComparisonItem {
  readonly campaignId: string;
  readonly name: string;
  /** The oldest of the snapshots read: every figure is at least this recent. */
  readonly generatedAt?: string;
  /** The reports the row reads that have no snapshot yet (their figures are missing). */
  readonly notGenerated: readonly ReportType[];
  readonly sent?: CellValue;
  readonly delivered?: CellValue;
  readonly bounceRate?: CellValue;
  readonly forwardRate?: CellValue;
  readonly openers?: CellValue;
  readonly openRate?: CellValue;
  readonly opensPerOpener?: CellValue;
  readonly clickers?: CellValue;
  readonly clickRate?: CellValue;
  readonly clickToOpenRate?: CellValue;
  readonly unsubscribers?: CellValue;
  readonly unsubscribeRate?: CellValue;
}

export interface Comparison {
  /** The figure keys, in the order the table shows them. */
  readonly columns: readonly string[];
  readonly items: readonly ComparisonItem[];
}

/** GET /reports/comparison takes 1 … 20 campaigns. */
export const maxComparedCampaigns = 20;
/** Pre-selected when the page opens: the newest campaigns that were sent. */
export const defaultComparedCampaigns = 10;

/**
 * How each compared figure reads (the formats its report gives it, shared/reports/catalog.ts); the
 * API answers bare values. A column the API adds later reads as a count.
 */
export const comparisonFormats: Readonly<Record<string, ValueFormat>> = {
  sent: 'count',
  delivered: 'count',
  bounceRate: 'percent',
  forwardRate: 'percent',
  openers: 'count',
  openRate: 'percent',
  opensPerOpener: 'ratio',
  clickers: 'count',
  clickRate: 'percent',
  clickToOpenRate: 'percent',
  unsubscribers: 'count',
  unsubscribeRate: 'percent',
};

export const comparisonFormatOf = (column: string): ValueFormat => comparisonFormats[column] ?? 'count';

/** A figure of a row by its column key (`undefined` when its report has no snapshot). */
export const comparisonValue = (item: ComparisonItem, column: string): CellValue | undefined => (item as unknown as Readonly<Record<string, CellValue | undefined>>)[column];

/** The query string of GET /reports/comparison: each id once, in the order given, at most 20. */
export function comparisonQuery(ids: readonly string[]): string {
  const unique = [...new Set(ids.map((id) => id.trim()).filter(Boolean))].slice(0, maxComparedCampaigns);
  return `campaigns=${unique.map((id) => encodeURIComponent(id)).join(',')}`;
}

/** Newest first (ULID ids sort by creation time too, for equal stamps). */
export function newestFirst<T extends Pick<Campaign, 'id' | 'createdAt'>>(campaigns: readonly T[]): T[] {
  return [...campaigns].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.createdAt < b.createdAt ? 1 : -1));
}

/** Sent at least once: out of draft, with a run (an approved or scheduled campaign that never ran has nothing to report). */
export const wasSent = (campaign: Pick<Campaign, 'status' | 'lastRunId'>): boolean => campaign.status !== 'draft' && campaign.lastRunId !== undefined;

/** What the page compares when it opens: the `most` newest campaigns that were sent. */
export function defaultComparisonSelection(campaigns: readonly Pick<Campaign, 'id' | 'createdAt' | 'status' | 'lastRunId'>[], most = defaultComparedCampaigns): string[] {
  return newestFirst(campaigns.filter(wasSent))
    .slice(0, Math.min(most, maxComparedCampaigns))
    .map((campaign) => campaign.id);
}

/** The selection with `id` ticked or unticked; ticking past the API's limit changes nothing. */
export function toggleCompared(selected: readonly string[], id: string, on: boolean): string[] {
  if (!on) return selected.filter((other) => other !== id);
  if (selected.includes(id) || selected.length >= maxComparedCampaigns) return [...selected];
  return [...selected, id];
}

/** A generation the page asked for from the comparison: which reports, since when. */
export interface PendingGeneration {
  readonly types: readonly ReportType[];
  readonly since: number;
}

/** After this long the page stops waiting for a generation (the row says so; the campaign's 報表 tab tells why). */
export const comparisonGiveUpMs = 10 * 60_000;

/**
 * Generations still awaited after a comparison came back: a campaign leaves once none of the
 * reports asked for is still missing from its row, or once it waited `comparisonGiveUpMs`
 * (listed in `late`). A campaign no longer in the answer (unticked) is dropped.
 */
export function settlePending(
  pending: Readonly<Record<string, PendingGeneration>>,
  items: readonly Pick<ComparisonItem, 'campaignId' | 'notGenerated'>[],
  now: number,
): { pending: Record<string, PendingGeneration>; late: string[] } {
  const rows = new Map(items.map((item) => [item.campaignId, item]));
  const next: Record<string, PendingGeneration> = {};
  const late: string[] = [];
  for (const [id, generation] of Object.entries(pending)) {
    const row = rows.get(id);
    if (!row) continue;
    if (!generation.types.some((type) => row.notGenerated.includes(type))) continue;
    if (now - generation.since >= comparisonGiveUpMs) {
      late.push(id);
      continue;
    }
    next[id] = generation;
  }
  return { pending: next, late };
}

/** The series the comparison chart draws: open rate and click rate per campaign. */
export const comparisonChartSeries = ['openRate', 'clickRate'] as const;

/**
 * Whether a row's rates can be drawn: both its Opens and Clicks reports have a snapshot. A missing
 * rate is not a zero; such a campaign is left out of the chart (the page names it) and shows a dash in the table.
 */
export const chartable = (item: Pick<ComparisonItem, 'notGenerated'>): boolean => !item.notGenerated.includes('opens') && !item.notGenerated.includes('clicks');

/** The chart's points: one label per campaign (its name); a rate the API left out (never expected of a chartable row) counts as 0. */
export function comparisonChartData(items: readonly ComparisonItem[]): { labels: string[]; series: { key: string; values: number[] }[]; integer: boolean } {
  return {
    labels: items.map((item) => item.name),
    series: comparisonChartSeries.map((key) => ({ key, values: items.map((item) => Math.max(0, numericValue(comparisonValue(item, key) ?? null) ?? 0)) })),
    integer: false,
  };
}
