/**
 * What the report worker does with each reportJobs message:
 *  - generate: each requested report's queries over the lake → a snapshot object → the status
 *    points at it. A report that fails is marked failed with the reason; its previous snapshot
 *    stays (the others of the message still generate).
 *  - list: a recipient list written as CSV / XLSX files.
 *  - dispatch: claims the hour's slot, generates the chosen reports, e-mails them as one PDF or
 *    XLSX to each recipient.
 * Every step is idempotent on its message: a redelivered generate makes a newer snapshot, a
 * redelivered list rewrites the same keys, a redelivered dispatch finds its slot claimed.
 */
import type { Campaign, CampaignRun } from '../campaigns/model';
import type { CampaignStore } from '../campaigns/ports';
import type { EngagementSettings } from '../engagement/model';
import type { ExportFiles } from '../exports/ports';
import type { BlobStore } from '../ports/blob-store';
import type { RawMailer } from '../delivery/sender';
import { composeDispatchMail } from './dispatch';
import { campaignFactsOf, defaultRange, generateSnapshot, snapshotKey, type GenerationEngine } from './generate';
import { writeRecipientList } from './lists';
import { dialectSql } from './dialect';
import { defaultReportSettings, type ReportRange, type ReportSnapshot, type ReportType } from './model';
import type { ReportMessage, ReportStore } from './ports';
import { renderReportPdf } from './render/pdf';
import { renderReportXlsx } from './render/xlsx';

/** What the worker logs through (Powertools' Logger in Lambda). */
export interface ReportLogger {
  info(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface ReportWorkerDeps {
  readonly store: ReportStore;
  readonly campaigns: CampaignStore;
  readonly engagementSettings: (workspaceId: string) => Promise<EngagementSettings>;
  /** The reports bucket: snapshots. */
  readonly blobs: BlobStore;
  /** The reports bucket: list files. */
  readonly files: ExportFiles;
  /** Built on first use: Athena in AWS, DuckDB in the sandbox. */
  readonly engine: () => Promise<GenerationEngine>;
  readonly mailer: RawMailer;
  readonly font: () => Promise<Uint8Array>;
  readonly now: () => Date;
  readonly logger?: ReportLogger;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

async function campaignAndRuns(deps: ReportWorkerDeps, ws: string, campaignId: string): Promise<{ campaign: Campaign; runs: CampaignRun[] } | undefined> {
  const campaign = await deps.campaigns.getCampaign(ws, campaignId);
  if (!campaign) return undefined;
  return { campaign, runs: await deps.campaigns.listRuns(ws, campaignId) };
}

/** Generates and stores one report; returns its snapshot, or undefined when it failed (recorded). */
async function generateOne(deps: ReportWorkerDeps, ws: string, found: { campaign: Campaign; runs: CampaignRun[] }, type: ReportType, range: ReportRange, weights: EngagementSettings['weights']): Promise<ReportSnapshot | undefined> {
  try {
    const snapshot = await generateSnapshot(await deps.engine(), { workspaceId: ws, facts: campaignFactsOf(found.campaign, found.runs), type, range, weights, now: deps.now });
    const key = snapshotKey(snapshot);
    await deps.blobs.put(key, JSON.stringify(snapshot), 'application/json');
    await deps.store.markReady(ws, found.campaign.id, type, { generatedAt: snapshot.generatedAt, snapshotKey: key, range });
    return snapshot;
  } catch (error) {
    deps.logger?.error('Report generation failed', { campaignId: found.campaign.id, type, error: message(error) });
    await deps.store.markFailed(ws, found.campaign.id, type, deps.now().toISOString(), message(error));
    return undefined;
  }
}

async function generate(deps: ReportWorkerDeps, m: Extract<ReportMessage, { kind: 'generate' }>): Promise<void> {
  const found = await campaignAndRuns(deps, m.workspaceId, m.campaignId);
  if (!found) {
    for (const type of m.types) await deps.store.markFailed(m.workspaceId, m.campaignId, type, deps.now().toISOString(), 'The campaign was deleted');
    return;
  }
  const { weights } = await deps.engagementSettings(m.workspaceId);
  for (const type of m.types) await generateOne(deps, m.workspaceId, found, type, m.range, weights);
}

async function list(deps: ReportWorkerDeps, m: Extract<ReportMessage, { kind: 'list' }>): Promise<void> {
  const job = await deps.store.getList(m.workspaceId, m.campaignId, m.listId);
  if (!job || job.state === 'completed' || job.state === 'failed') return;
  const at = () => deps.now().toISOString();
  const found = await campaignAndRuns(deps, m.workspaceId, m.campaignId);
  if (!found) {
    await deps.store.updateList(m.workspaceId, m.campaignId, m.listId, { state: 'failed', error: 'The campaign was deleted', updatedAt: at() });
    return;
  }
  await deps.store.updateList(m.workspaceId, m.campaignId, m.listId, { state: 'running', updatedAt: at() });
  try {
    const engine = await deps.engine();
    const range = defaultRange(found.campaign, found.runs, deps.now());
    const written = await writeRecipientList({ engine: engine.engine, sql: dialectSql(engine.dialect), openSink: (key, type) => deps.files.openSink(key, type) }, job, range, job.language);
    await deps.store.updateList(m.workspaceId, m.campaignId, m.listId, { state: 'completed', files: written.files, rows: written.rows, updatedAt: at() });
  } catch (error) {
    deps.logger?.error('Recipient list failed', { campaignId: m.campaignId, listId: m.listId, error: message(error) });
    await deps.store.updateList(m.workspaceId, m.campaignId, m.listId, { state: 'failed', error: message(error), updatedAt: at() });
  }
}

async function dispatch(deps: ReportWorkerDeps, m: Extract<ReportMessage, { kind: 'dispatch' }>): Promise<void> {
  const found = await campaignAndRuns(deps, m.workspaceId, m.campaignId);
  if (!found) return;
  const settings = (await deps.store.getSettings(m.workspaceId, m.campaignId)) ?? defaultReportSettings;
  const { dispatch: d } = settings;
  if (d.recipients.length === 0 || settings.types.length === 0) return;
  // "now" dispatches (the console's send-now) carry a unique slot; scheduled ones the hour.
  if (!(await deps.store.claimDispatch(m.workspaceId, m.campaignId, m.slot))) return;
  const { weights } = await deps.engagementSettings(m.workspaceId);
  const range = defaultRange(found.campaign, found.runs, deps.now());
  const snapshots: ReportSnapshot[] = [];
  for (const type of settings.types) {
    await deps.store.markRequested(m.workspaceId, m.campaignId, type, deps.now().toISOString(), 'dispatch', range);
    const snapshot = await generateOne(deps, m.workspaceId, found, type, range, weights);
    if (snapshot) snapshots.push(snapshot);
  }
  if (snapshots.length === 0) throw new Error('No report of the dispatch could be generated');
  const day = deps.now().toISOString().slice(0, 10);
  const attachment =
    d.format === 'pdf'
      ? { filename: `reports-${day}.pdf`, content: await renderReportPdf(snapshots, { language: d.language, font: await deps.font(), timeZone: d.timeZone }), contentType: 'application/pdf' }
      : { filename: `reports-${day}.xlsx`, content: await renderReportXlsx(snapshots, { language: d.language }), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };
  const from = found.campaign.content.fromEmail;
  for (const to of d.recipients) {
    const raw = await composeDispatchMail({ from, to, campaignName: found.campaign.name, language: d.language, snapshots, attachment });
    // No run tag: the SES notifications handler leaves these out of delivery and the lake.
    await deps.mailer.sendRaw({ raw, from, to, tags: { workspace: m.workspaceId, campaign: m.campaignId, kind: 'report' } });
  }
  deps.logger?.info('Reports dispatched', { campaignId: m.campaignId, reports: snapshots.length, recipients: d.recipients.length, slot: m.slot });
}

export async function handleReportMessage(deps: ReportWorkerDeps, m: ReportMessage): Promise<void> {
  if (m.kind === 'generate') return generate(deps, m);
  if (m.kind === 'list') return list(deps, m);
  return dispatch(deps, m);
}
