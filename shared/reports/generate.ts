/**
 * Stage one of a report: run its queries over the lake and build the snapshot. The queries of one
 * report run side by side (Athena runs them in parallel; DuckDB's one connection takes them in
 * turn). Pure apart from the QueryEngine port: the worker stores what this returns.
 */
import type { Campaign, CampaignRun } from '../campaigns/model';
import type { ScoredEventType } from '../engagement/model';
import type { QueryEngine, QueryRow } from '../ports/query-engine';
import { reportCatalog, reportParams, type CampaignFacts, type ReportContext, type RunFacts } from './catalog';
import { dialectSql, type Dialect } from './dialect';
import { reportCategoryOf, type ReportData, type ReportRange, type ReportSnapshot, type ReportType } from './model';

export interface GenerationEngine {
  readonly engine: QueryEngine;
  readonly dialect: Dialect;
}

export interface GenerationInput {
  readonly workspaceId: string;
  readonly facts: CampaignFacts;
  readonly type: ReportType;
  readonly range: ReportRange;
  readonly weights: Readonly<Record<ScoredEventType, number>>;
  readonly now?: () => Date;
}

/** Links a recipient can click (http/https hrefs) and files sent with the content. */
function contentCounts(campaign: Campaign): { links: number; files: number } {
  const links = [...campaign.content.html.matchAll(/<a\b[^>]*\bhref\s*=\s*["']?\s*https?:/gi)].length;
  return { links, files: campaign.content.attachments.length };
}

export function runFactsOf(run: CampaignRun): RunFacts {
  const summary = run.audienceSummary;
  return {
    id: run.id,
    type: run.type,
    status: run.status,
    launchedAt: run.launchedAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    // The audience summary's total is what was left to send; the list as given also held the
    // duplicates, invalid, suppressed and excluded addresses the freeze took out.
    listSize: summary ? summary.total + summary.duplicates + summary.invalid + summary.suppressed + summary.excluded : run.progress.total,
    invalid: summary?.invalid ?? 0,
    duplicates: summary?.duplicates ?? 0,
    corrected: summary?.corrected ?? 0,
    // Suppressed when the audience was frozen, and by workers when an address was suppressed meanwhile.
    suppressed: (summary?.suppressed ?? 0) + run.progress.suppressed,
    excluded: summary?.excluded ?? 0,
    sent: run.progress.sent,
    failed: run.progress.failed,
    cancelled: run.progress.cancelled,
    forwarded: run.progress.forwarded ?? 0,
  };
}

export function campaignFactsOf(campaign: Campaign, runs: readonly CampaignRun[]): CampaignFacts {
  return {
    id: campaign.id,
    name: campaign.name,
    ...contentCounts(campaign),
    runs: [...runs].sort((a, b) => a.launchedAt.localeCompare(b.launchedAt)).map(runFactsOf),
  };
}

const isZero = (value: unknown) => value === null || value === 0;

/** Nothing happened in the range: no table row, every figure zero or unknown (facts aside, which describe runs). */
function isEmpty(data: Omit<ReportData, 'empty'>, rows: Readonly<Record<string, readonly QueryRow[]>>): boolean {
  const counts = rows.counts?.[0];
  if (counts) return Number(counts.events ?? 0) === 0;
  return data.tables.every((t) => t.rows.length === 0) && data.figures.every((f) => isZero(f.value));
}

export async function generateSnapshot(engine: GenerationEngine, input: GenerationInput): Promise<ReportSnapshot> {
  const now = input.now ?? (() => new Date());
  const started = Date.now();
  const definition = reportCatalog[input.type];
  const ctx: ReportContext = { facts: input.facts, range: input.range, weights: input.weights, sql: dialectSql(engine.dialect) };
  const params = reportParams(input.workspaceId, input.facts.id, input.range, input.weights);
  const queries = Object.entries(definition.queries(ctx));
  const results = await Promise.all(queries.map(async ([name, sql]) => [name, await engine.engine.query(sql, params)] as const));
  const rows = Object.fromEntries(results);
  const data = definition.build(rows, ctx);
  return {
    workspaceId: input.workspaceId,
    campaignId: input.facts.id,
    campaignName: input.facts.name,
    type: input.type,
    category: reportCategoryOf[input.type],
    generatedAt: now().toISOString(),
    range: input.range,
    engine: engine.dialect,
    durationMs: Date.now() - started,
    data: { ...data, empty: isEmpty(data, rows) },
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const isDay = (value: string): boolean => DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

/**
 * The range a report reads when none is asked for: from the day the campaign's first run was
 * launched (or the campaign was created) to today, UTC.
 */
export function defaultRange(campaign: Campaign, runs: readonly CampaignRun[], now: Date): ReportRange {
  const first = [...runs.map((run) => run.launchedAt), campaign.createdAt].sort()[0] as string;
  const today = now.toISOString().slice(0, 10);
  const from = first.slice(0, 10);
  return { from: from <= today ? from : today, to: today };
}

/** Object key of a snapshot: one object per generation, so a newer one never overwrites an older being read. */
export const snapshotKey = (snapshot: Pick<ReportSnapshot, 'workspaceId' | 'campaignId' | 'type' | 'generatedAt'>): string =>
  `reports/${snapshot.workspaceId}/${snapshot.campaignId}/${snapshot.type}/${snapshot.generatedAt.replace(/[:.]/g, '-')}.json`;
