/**
 * Reports over the API. "Generate" only records the request and queues it (202): the queries run
 * in the report worker, so the console never waits on them. "View" reads the status item and the
 * latest snapshot object, whatever the lake's size. Downloads render the stored snapshot.
 * Access follows the campaign's own visibility. Anyone who may view a report may regenerate it
 * (OMICard's 重新產生); settings, dispatch and the recipient lists (personal data) need an operator.
 */
import { z } from 'zod';
import type { Operation, OperationRequest } from '../api/operation';
import type { OperationId } from '../api/routes';
import { visibleCampaign } from '../campaigns/campaigns';
import type { Campaign } from '../campaigns/model';
import type { CampaignStore } from '../campaigns/ports';
import { ulid } from '../contacts/ids';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { ExportFiles } from '../exports/ports';
import { fieldErrorsOf } from '../http/problem';
import { principalOf } from '../http/router';
import type { BlobStore } from '../ports/blob-store';
import type { Queue } from '../ports/queue';
import { isTimeZone } from './dispatch';
import { defaultRange, isDay } from './generate';
import { reportTitle } from './labels';
import {
  defaultReportSettings,
  dispatchFrequencies,
  downloadFormats,
  isReportType,
  listFormats,
  recipientLists,
  reportCategoryOf,
  reportLanguages,
  reportTypes,
  type RecipientListJob,
  type ReportRange,
  type ReportSettings,
  type ReportSnapshot,
  type ReportStatus,
  type ReportType,
} from './model';
import type { ReportMessage, ReportStore, StoredStatus } from './ports';
import { renderReportCsv } from './render/csv';
import { renderReportPdf } from './render/pdf';
import { renderReportXlsx } from './render/xlsx';

export type ReportOperationId = Extract<
  OperationId,
  | 'listCampaignReports'
  | 'generateCampaignReports'
  | 'getCampaignReport'
  | 'downloadCampaignReport'
  | 'putCampaignReportSettings'
  | 'dispatchCampaignReports'
  | 'createRecipientList'
  | 'getRecipientList'
  | 'compareCampaignReports'
>;

export interface ReportOperationDeps {
  readonly store: () => ReportStore;
  readonly campaigns: () => CampaignStore;
  readonly blobs: () => BlobStore;
  readonly files: () => ExportFiles;
  readonly queue: () => Queue;
  readonly font: () => Promise<Uint8Array>;
  readonly now?: () => Date;
}

/** A range longer than this would scan more than a year of partitions: ask for less. */
const MAX_RANGE_DAYS = 400;
const DOWNLOAD_LINK_SECONDS = 15 * 60;
/** A generation still "generating" after this long is taken as lost (the worker died): a new request may start. */
const STALE_GENERATION_MS = 20 * 60_000;

const day = z.string().refine(isDay, 'A day as YYYY-MM-DD');
const typeSchema = z.enum(reportTypes);

export const generateReportsSchema = z
  .strictObject({
    types: z.array(typeSchema).min(1).max(reportTypes.length).optional(),
    from: day.optional(),
    to: day.optional(),
  })
  .meta({ description: 'Which reports to generate (default: the campaign\'s chosen reports) over which days (default: from its first run to today, UTC)' });

export const downloadReportSchema = z.strictObject({ format: z.enum(downloadFormats), language: z.enum(reportLanguages).default('zh-TW') });

const email = z.email().max(254).transform((value) => value.toLowerCase());
export const reportSettingsSchema = z
  .strictObject({
    types: z.array(typeSchema).max(reportTypes.length).refine((list) => new Set(list).size === list.length, 'Each report once'),
    dispatch: z.strictObject({
      frequency: z.enum(dispatchFrequencies),
      weekday: z.number().int().min(0).max(6).default(1),
      hour: z.number().int().min(0).max(23).default(9),
      timeZone: z.string().min(1).max(64).refine(isTimeZone, 'Not a time zone (IANA name, e.g. Asia/Taipei)').default('Asia/Taipei'),
      format: z.enum(['pdf', 'xlsx']).default('pdf'),
      language: z.enum(reportLanguages).default('zh-TW'),
      recipients: z.array(email).max(20).refine((list) => new Set(list).size === list.length, 'Each address once').default([]),
    }),
  })
  .superRefine((value, ctx) => {
    if (value.dispatch.frequency !== 'off' && value.dispatch.recipients.length === 0) ctx.addIssue({ code: 'custom', path: ['dispatch', 'recipients'], message: 'A dispatch needs at least one recipient' });
    if (value.dispatch.frequency !== 'off' && value.types.length === 0) ctx.addIssue({ code: 'custom', path: ['types'], message: 'A dispatch needs at least one report' });
  })
  .meta({ description: 'The reports this campaign produces, and their e-mail dispatch (daily or weekly, PDF or XLSX)' });

export const recipientListSchema = z
  .strictObject({
    list: z.enum(recipientLists),
    format: z.enum(listFormats),
    language: z.enum(reportLanguages).default('zh-TW'),
    maxRowsPerFile: z.number().int().min(1).max(1_000_000).default(50_000),
    linkIndex: z.number().int().min(1).max(1_000).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.linkIndex !== undefined && value.list !== 'clickers') ctx.addIssue({ code: 'custom', path: ['linkIndex'], message: 'Only the clickers list is per link' });
  });

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(`Invalid ${what}`, fieldErrorsOf(parsed.error, 'body'));
  return parsed.data;
}

function reportTypeOf(request: OperationRequest): ReportType {
  const type = request.pathParameters.type ?? '';
  if (!isReportType(type)) throw new NotFoundError(`No report type "${type}": one of ${reportTypes.join(', ')}`);
  return type;
}

/** What the API shows of a status (never the object key). */
function shown(type: ReportType, stored: StoredStatus | undefined, now: number): ReportStatus & { category: string } {
  if (!stored) return { type, category: reportCategoryOf[type], state: 'idle' };
  const { snapshotKey: _key, ...status } = stored;
  // A generation that never finished (its worker died) shows as failed, so the console offers a retry.
  if (status.state === 'generating' && status.requestedAt && now - Date.parse(status.requestedAt) > STALE_GENERATION_MS) {
    return { ...status, type, category: reportCategoryOf[type], state: 'failed', error: 'The generation did not finish; generate it again' };
  }
  return { ...status, type, category: reportCategoryOf[type] };
}

function rangeOf(campaign: Campaign, runs: Parameters<typeof defaultRange>[1], input: { from?: string; to?: string }, now: Date): ReportRange {
  const fallback = defaultRange(campaign, runs, now);
  const range = { from: input.from ?? fallback.from, to: input.to ?? fallback.to };
  if (range.from > range.to) throw new ValidationError('The range runs backwards: "from" is after "to"', [{ field: 'from', message: `From ${range.from} is after ${range.to}` }]);
  const days = (Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS) throw new ValidationError(`The range is ${days} days; at most ${MAX_RANGE_DAYS}`, [{ field: 'from', message: `At most ${MAX_RANGE_DAYS} days` }]);
  return range;
}

const contentTypes = { pdf: 'application/pdf', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv; charset=utf-8' } as const;

/** A file name people can keep: campaign name (unsafe characters dropped), report, day. */
function downloadName(snapshot: ReportSnapshot, language: 'zh-TW' | 'en', format: string): string {
  const campaign = [...snapshot.campaignName].filter((c) => c >= ' ' && !'\\/:*?"<>|'.includes(c)).join('').trim().slice(0, 60) || snapshot.campaignId;
  return `${campaign}-${reportTitle(language, snapshot.type).replace(/[\\/:*?"<>|]/g, '')}-${snapshot.generatedAt.slice(0, 10)}.${format}`;
}

const compareQuerySchema = z.object({
  campaigns: z
    .string()
    .min(1)
    .transform((value) => [...new Set(value.split(',').map((id) => id.trim()).filter(Boolean))])
    .refine((ids) => ids.length >= 1 && ids.length <= 20, 'From 1 to 20 campaign ids, comma separated'),
});

/** The figures the comparison reads from each campaign's latest snapshots. */
const comparedFigures: readonly (readonly [ReportType, readonly string[]])[] = [
  ['delivery', ['sent', 'delivered', 'bounceRate', 'forwardRate']],
  ['opens', ['openers', 'openRate', 'opensPerOpener']],
  ['clicks', ['clickers', 'clickRate', 'clickToOpenRate']],
  ['unsubscribes', ['unsubscribers', 'unsubscribeRate']],
];

export function createReportOperations(deps: ReportOperationDeps): Record<ReportOperationId, Operation> {
  const now = deps.now ?? (() => new Date());
  const campaignOf = (request: OperationRequest) => visibleCampaign({ campaigns: deps.campaigns() }, principalOf(request), request.pathParameters.id ?? '');
  const settingsOf = async (campaign: Campaign): Promise<ReportSettings> => (await deps.store().getSettings(campaign.workspaceId, campaign.id)) ?? defaultReportSettings;

  const snapshotOf = async (campaign: Campaign, type: ReportType): Promise<{ status: ReportStatus; snapshot?: ReportSnapshot }> => {
    const stored = await deps.store().getStatus(campaign.workspaceId, campaign.id, type);
    const status = shown(type, stored, now().getTime());
    if (!stored?.snapshotKey) return { status };
    const body = await deps.blobs().get(stored.snapshotKey);
    if (!body) return { status };
    return { status, snapshot: JSON.parse(new TextDecoder().decode(body)) as ReportSnapshot };
  };

  return {
    listCampaignReports: async (request) => {
      const campaign = await campaignOf(request);
      const [settings, statuses] = await Promise.all([settingsOf(campaign), deps.store().listStatuses(campaign.workspaceId, campaign.id)]);
      const byType = new Map(statuses.map((status) => [status.type, status]));
      const at = now().getTime();
      const reports = reportTypes.map((type) => ({ ...shown(type, byType.get(type), at), chosen: settings.types.includes(type) }));
      return { status: 200, body: { settings, reports } };
    },

    generateCampaignReports: async (request) => {
      const principal = principalOf(request);
      const input = parse(generateReportsSchema, request.body, 'report request');
      const campaign = await campaignOf(request);
      const runs = await deps.campaigns().listRuns(campaign.workspaceId, campaign.id);
      const range = rangeOf(campaign, runs, input, now());
      const types = input.types ?? (await settingsOf(campaign)).types;
      if (types.length === 0) throw new ValidationError('This campaign produces no reports: choose some in its report settings, or name them', [{ field: 'types', message: 'No report to generate' }]);
      const at = now().toISOString();
      const statuses = await Promise.all(types.map((type) => deps.store().markRequested(campaign.workspaceId, campaign.id, type, at, principal.id, range)));
      await deps.queue().send({ body: { kind: 'generate', workspaceId: campaign.workspaceId, campaignId: campaign.id, types, range, requestedAt: at } satisfies ReportMessage });
      const t = now().getTime();
      return { status: 202, body: { reports: statuses.map((status, i) => shown(types[i] as ReportType, status, t)) } };
    },

    getCampaignReport: async (request) => {
      const type = reportTypeOf(request);
      const campaign = await campaignOf(request);
      return { status: 200, body: await snapshotOf(campaign, type) };
    },

    downloadCampaignReport: async (request) => {
      const type = reportTypeOf(request);
      const input = parse(downloadReportSchema, request.body, 'download');
      const campaign = await campaignOf(request);
      const { snapshot } = await snapshotOf(campaign, type);
      if (!snapshot) throw new ConflictError(`The ${type} report has not been generated yet: generate it first`);
      const content =
        input.format === 'pdf'
          ? await renderReportPdf([snapshot], { language: input.language, font: await deps.font() })
          : input.format === 'xlsx'
            ? await renderReportXlsx([snapshot], { language: input.language })
            : renderReportCsv(snapshot, { language: input.language });
      const fileName = downloadName(snapshot, input.language, input.format);
      const key = `downloads/${campaign.workspaceId}/${campaign.id}/${type}/${ulid(now().getTime())}.${input.format}`;
      await deps.blobs().put(key, content, contentTypes[input.format]);
      const url = await deps.files().presignGet(key, DOWNLOAD_LINK_SECONDS, fileName);
      return { status: 200, body: { url, fileName, expiresAt: new Date(now().getTime() + DOWNLOAD_LINK_SECONDS * 1000).toISOString() } };
    },

    putCampaignReportSettings: async (request) => {
      const principal = principalOf(request);
      const input = parse(reportSettingsSchema, request.body, 'report settings');
      const campaign = await campaignOf(request);
      const settings: ReportSettings = { ...input, updatedAt: now().toISOString(), updatedBy: principal.id };
      await deps.store().putSettings(campaign.workspaceId, campaign.id, settings);
      return { status: 200, body: (await settingsOf(campaign)) satisfies ReportSettings };
    },

    dispatchCampaignReports: async (request) => {
      const campaign = await campaignOf(request);
      const settings = await settingsOf(campaign);
      if (settings.dispatch.recipients.length === 0) throw new ValidationError('The dispatch has no recipients: add them in the report settings first', [{ field: 'dispatch.recipients', message: 'No recipients' }]);
      if (settings.types.length === 0) throw new ValidationError('The campaign produces no reports: choose some in the report settings first', [{ field: 'types', message: 'No reports' }]);
      // A one-off dispatch has its own slot, so it never collides with the hourly schedule's.
      const slot = `now-${ulid(now().getTime())}`;
      await deps.queue().send({ body: { kind: 'dispatch', workspaceId: campaign.workspaceId, campaignId: campaign.id, slot } satisfies ReportMessage });
      return { status: 202, body: { queued: true, recipients: settings.dispatch.recipients, types: settings.types } };
    },

    createRecipientList: async (request) => {
      const principal = principalOf(request);
      const input = parse(recipientListSchema, request.body, 'list request');
      const campaign = await campaignOf(request);
      const at = now().toISOString();
      const job: RecipientListJob = {
        id: ulid(now().getTime()),
        workspaceId: campaign.workspaceId,
        campaignId: campaign.id,
        list: input.list,
        format: input.format,
        language: input.language,
        maxRowsPerFile: input.maxRowsPerFile,
        ...(input.linkIndex !== undefined ? { linkIndex: input.linkIndex } : {}),
        state: 'queued',
        files: [],
        createdAt: at,
        createdBy: principal.id,
        updatedAt: at,
      };
      await deps.store().createList(job);
      await deps.queue().send({ body: { kind: 'list', workspaceId: campaign.workspaceId, campaignId: campaign.id, listId: job.id } satisfies ReportMessage });
      return { status: 202, body: job };
    },

    compareCampaignReports: async (request) => {
      const parsed = compareQuerySchema.safeParse(request.query ?? {});
      if (!parsed.success) throw new ValidationError('Invalid query', fieldErrorsOf(parsed.error, 'query'));
      const principal = principalOf(request);
      // Across campaigns from their stored snapshots only: answered at once, no query over the lake.
      const rows = await Promise.all(
        parsed.data.campaigns.map(async (id) => {
          const campaign = await visibleCampaign({ campaigns: deps.campaigns() }, principal, id);
          const row: Record<string, unknown> = { campaignId: campaign.id, name: campaign.name };
          const missing: ReportType[] = [];
          const times: string[] = [];
          for (const [type, keys] of comparedFigures) {
            const { snapshot } = await snapshotOf(campaign, type);
            if (!snapshot) {
              missing.push(type);
              continue;
            }
            times.push(snapshot.generatedAt);
            for (const figure of snapshot.data.figures) if (keys.includes(figure.key)) row[figure.key] = figure.value;
          }
          return { ...row, ...(times.length ? { generatedAt: times.sort()[0] } : {}), notGenerated: missing };
        }),
      );
      return { status: 200, body: { columns: comparedFigures.flatMap(([, keys]) => keys), items: rows } };
    },

    getRecipientList: async (request) => {
      const campaign = await campaignOf(request);
      const id = request.pathParameters.listId ?? '';
      const job = await deps.store().getList(campaign.workspaceId, campaign.id, id);
      if (!job) throw new NotFoundError(`No recipient list ${id} for this campaign`);
      if (job.state !== 'completed') return { status: 200, body: job };
      const expiresAt = new Date(now().getTime() + DOWNLOAD_LINK_SECONDS * 1000).toISOString();
      const files = await Promise.all(job.files.map(async (file) => ({ name: file.name, rows: file.rows, url: await deps.files().presignGet(file.key, DOWNLOAD_LINK_SECONDS, file.name), expiresAt })));
      return { status: 200, body: { ...job, files } };
    },
  };
}
