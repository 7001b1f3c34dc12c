/**
 * Two-stage reports (二階段式報表): "generate" runs a report's queries over the event lake and
 * stores a snapshot; "view" returns the latest snapshot at once. A snapshot's data is one
 * generic shape — figures, tables, charts — so the console, the PDF and the XLSX writer render
 * every report the same way, with labels from `labels.ts`.
 */

/** OMICard's five kinds of report, plus forwarding (the forward tree). */
export const reportCategories = ['delivery', 'reading', 'ranking', 'geography', 'highlights', 'forwarding'] as const;
export type ReportCategory = (typeof reportCategories)[number];

/** The catalogue, in display order (grouped by category in `reportCategoryOf`). */
export const reportTypes = [
  // 寄送情形
  'summary',
  'delivery',
  'bounces',
  'invalid',
  // 閱信情形
  'opens',
  'openTimeline',
  'clicks',
  'clickTimeline',
  'unsubscribes',
  'comments',
  // 排名比較
  'opensVsClicks',
  'linksByRecipients',
  'linksByClicks',
  'linksByFirstClick',
  'scores',
  // 地理環境
  'openGeography',
  'clickGeography',
  'environment',
  // 重點
  'highlights',
  // 轉寄
  'forwards',
] as const;
export type ReportType = (typeof reportTypes)[number];

export const reportCategoryOf: Readonly<Record<ReportType, ReportCategory>> = {
  summary: 'delivery',
  delivery: 'delivery',
  bounces: 'delivery',
  invalid: 'delivery',
  opens: 'reading',
  openTimeline: 'reading',
  clicks: 'reading',
  clickTimeline: 'reading',
  unsubscribes: 'reading',
  comments: 'reading',
  opensVsClicks: 'ranking',
  linksByRecipients: 'ranking',
  linksByClicks: 'ranking',
  linksByFirstClick: 'ranking',
  scores: 'ranking',
  openGeography: 'geography',
  clickGeography: 'geography',
  environment: 'geography',
  highlights: 'highlights',
  forwards: 'forwarding',
};

export const isReportType = (value: string): value is ReportType => (reportTypes as readonly string[]).includes(value);

/**
 * How a value is shown. `percent`: a fraction (0.25 → 25.0 %); `ratio`: a plain decimal (opens per
 * opener); `duration`: milliseconds; `time`: ISO 8601; `hour` / `day`: a time bucket
 * (`2026-11-29T08` / `2026-11-29`, UTC); `text`: as is; `count`: a whole number.
 */
export const valueFormats = ['count', 'percent', 'ratio', 'duration', 'time', 'hour', 'day', 'text'] as const;
export type ValueFormat = (typeof valueFormats)[number];

export type CellValue = string | number | null;

/** One headline figure. `key` names its label (labels.ts `keys`). */
export interface Figure {
  readonly key: string;
  readonly value: CellValue;
  readonly format: ValueFormat;
}

export interface TableColumn {
  readonly key: string;
  readonly format: ValueFormat;
  /** Text cells are codes (`target`, `hardBounced`…) shown through their label (labels.ts `keys`). */
  readonly coded?: boolean;
}

export interface ReportTable {
  readonly key: string;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly Readonly<Record<string, CellValue>>[];
  /** The query returned more rows than a snapshot keeps (`maxTableRows`); the download lists have them all. */
  readonly truncated?: boolean;
}

/**
 * A chart drawn from one table: `label` is the column along the axis (or the slices' names),
 * `series` the numeric columns drawn (one bar / line / pie per series; pies use the first).
 */
export interface ReportChart {
  readonly key: string;
  readonly kind: 'bar' | 'line' | 'pie';
  readonly table: string;
  readonly label: string;
  readonly series: readonly string[];
}

export interface ReportData {
  readonly figures: readonly Figure[];
  readonly tables: readonly ReportTable[];
  readonly charts: readonly ReportChart[];
  /** No event of this campaign in the range: every figure is zero, the tables are empty. */
  readonly empty: boolean;
}

/** Rows a snapshot table keeps at most (rankings, geography); the full lists are downloads. */
export const maxTableRows = 500;

export interface ReportRange {
  /** First and last partition day read (`dt`, UTC), inclusive. */
  readonly from: string;
  readonly to: string;
}

export interface ReportSnapshot {
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly campaignName: string;
  readonly type: ReportType;
  readonly category: ReportCategory;
  readonly generatedAt: string;
  readonly range: ReportRange;
  /** Which engine ran the queries: Athena in AWS, DuckDB in the sandbox. */
  readonly engine: 'athena' | 'duckdb';
  /** Wall time of the generation. */
  readonly durationMs: number;
  readonly data: ReportData;
}

export const generationStates = ['idle', 'generating', 'ready', 'failed'] as const;
export type GenerationState = (typeof generationStates)[number];

/**
 * Where a report's generation stands. A failed generation keeps the previous snapshot
 * (`generatedAt` stays that snapshot's time) and records why in `error`.
 */
export interface ReportStatus {
  readonly type: ReportType;
  readonly state: GenerationState;
  /** The latest snapshot's generation time (absent: never generated). */
  readonly generatedAt?: string;
  readonly requestedAt?: string;
  readonly requestedBy?: string;
  readonly failedAt?: string;
  readonly error?: string;
  readonly range?: ReportRange;
}

export const downloadFormats = ['pdf', 'xlsx', 'csv'] as const;
export type DownloadFormat = (typeof downloadFormats)[number];

export const reportLanguages = ['zh-TW', 'en'] as const;
export type ReportLanguage = (typeof reportLanguages)[number];

/** Recipient-level lists behind the reports (下載報表). */
export const recipientLists = ['openers', 'clickers', 'bounces', 'complaints', 'unsubscribers', 'nonOpeners', 'forwarded', 'comments'] as const;
export type RecipientList = (typeof recipientLists)[number];

export const listFormats = ['xlsx', 'csv'] as const;
export type ListFormat = (typeof listFormats)[number];

export const dispatchFrequencies = ['off', 'daily', 'weekly'] as const;
export type DispatchFrequency = (typeof dispatchFrequencies)[number];

/** 自動報表派遣: which reports go by e-mail, when (local time of `timeZone`), to whom, in what form. */
export interface ReportDispatch {
  readonly frequency: DispatchFrequency;
  /** Weekly: 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  /** Hour of the day (0–23) in `timeZone`. */
  readonly hour: number;
  readonly timeZone: string;
  readonly format: 'pdf' | 'xlsx';
  readonly language: ReportLanguage;
  readonly recipients: readonly string[];
  /** The last dispatch sent (its scheduled hour, ISO), so one hour never sends twice. */
  readonly lastSentFor?: string;
}

/** A campaign's report settings (可自訂每項報表任務的報表種類). */
export interface ReportSettings {
  /** The reports this campaign produces (generate-all and dispatch use these). */
  readonly types: readonly ReportType[];
  readonly dispatch: ReportDispatch;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

export const defaultReportSettings: ReportSettings = {
  types: [...reportTypes],
  dispatch: { frequency: 'off', weekday: 1, hour: 9, timeZone: 'Asia/Taipei', format: 'pdf', language: 'zh-TW', recipients: [] },
};

export interface ListFile {
  readonly name: string;
  readonly key: string;
  readonly rows: number;
}

export interface RecipientListJob {
  readonly id: string;
  readonly workspaceId: string;
  readonly campaignId: string;
  readonly list: RecipientList;
  readonly format: ListFormat;
  /** Language of the column headers and coded cells. */
  readonly language: ReportLanguage;
  readonly maxRowsPerFile: number;
  /** Clickers of one link only: its number in the message, counted from 1 as the reports show it. */
  readonly linkIndex?: number;
  readonly state: 'queued' | 'running' | 'completed' | 'failed';
  readonly rows?: number;
  readonly files: readonly ListFile[];
  readonly error?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
}
