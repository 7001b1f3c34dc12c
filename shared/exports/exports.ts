/**
 * Export use cases on the API side: ask for an export (validated and fixed here, then queued),
 * follow it, download its files. An export holds the contacts its creator could read, so only
 * its creator (and admins, who read everything) may see it or download its files.
 */
import { z } from 'zod';
import type { Principal } from '../api/operation';
import type { ContactDeps } from '../contacts/contacts';
import { ulid } from '../contacts/ids';
import { NotFoundError, ValidationError, type FieldError } from '../errors';
import { fieldErrorsOf } from '../http/problem';
import type { Queue } from '../ports/queue';
import type { SegmentStore } from '../segments/ports';
import type { Condition, RuleTree } from '../segments/rules';
import { audienceOf, rulesFor } from '../segments/segments';
import { createExportSchema, maxRowsPerFileLimit, type ExportFilters, type ExportJob, type ExportMessage } from './model';
import type { ExportFiles, ExportJobStore } from './ports';
import { assertColumns, defaultColumns } from './writers';

export interface ExportDeps extends ContactDeps {
  readonly jobs: ExportJobStore;
  readonly files: ExportFiles;
  readonly queue: Queue;
  readonly segments: SegmentStore;
}

/** How long a download link works. */
export const downloadLinkSeconds = 3600;

/** Simple filters as rules, so one evaluator decides everywhere. */
export function filtersToRules(filters: ExportFilters): RuleTree {
  const conditions: (Condition | RuleTree)[] = [];
  if (filters.group !== undefined) conditions.push({ field: 'groups', op: 'contains', value: filters.group });
  if (filters.category !== undefined) conditions.push({ field: 'category', op: 'eq', value: filters.category });
  if (filters.status !== undefined) conditions.push({ field: 'status', op: 'eq', value: filters.status });
  if (filters.scoreMin !== undefined) conditions.push({ field: 'score', op: 'gte', value: filters.scoreMin });
  if (filters.scoreMax !== undefined) conditions.push({ field: 'score', op: 'lte', value: filters.scoreMax });
  if (filters.q !== undefined) {
    conditions.push({
      match: 'any',
      conditions: [
        { field: 'email', op: 'startsWith', value: filters.q },
        { field: 'name', op: 'startsWith', value: filters.q },
      ],
    });
  }
  // No condition: every contact (score ≥ 0 holds for all).
  return { match: 'all', conditions: conditions.length > 0 ? conditions : [{ field: 'score', op: 'gte', value: 0 }] };
}

const invalid = (errors: FieldError[]) => new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);

export async function createExport(deps: ExportDeps, principal: Principal, input: unknown): Promise<{ id: string; status: 'queued' }> {
  if (input === undefined) throw invalid([{ field: 'body', message: 'Required' }]);
  // Rules are checked by checkRules (exact paths); the rest by the schema.
  const loose = createExportSchema.extend({ rules: z.unknown().optional() }).safeParse(input);
  if (!loose.success) throw invalid(fieldErrorsOf(loose.error, 'body'));
  const data = loose.data;
  const rawRules = (input as { rules?: unknown }).rules;
  const given = [data.segmentId !== undefined, rawRules !== undefined, data.filters !== undefined].filter(Boolean).length;
  if (given > 1) throw invalid([{ field: 'body', message: 'Give at most one of segmentId, rules or filters' }]);
  if (data.filters?.scoreMin !== undefined && data.filters.scoreMax !== undefined && data.filters.scoreMin > data.filters.scoreMax) {
    throw invalid([{ field: 'filters.scoreMax', message: 'Must not be below scoreMin' }]);
  }

  const audience = await audienceOf(deps, principal);
  let rules: RuleTree;
  if (data.segmentId !== undefined) {
    const segment = await deps.segments.get(principal.workspaceId, data.segmentId);
    if (!segment) throw invalid([{ field: 'segmentId', message: `No segment ${data.segmentId} in this workspace` }]);
    rules = rulesFor(audience, segment.rules, 'segment.rules');
  } else if (rawRules !== undefined) rules = rulesFor(audience, rawRules, 'rules');
  else rules = rulesFor(audience, filtersToRules(data.filters ?? {}), 'filters');

  const fields = data.fields ?? defaultColumns(audience.definitions);
  assertColumns(fields, audience.definitions);

  const now = deps.clock.now();
  const job: ExportJob = {
    id: (deps.newId ?? ((d: Date) => ulid(d.getTime())))(now),
    workspaceId: principal.workspaceId,
    status: 'queued',
    format: data.format,
    source: {
      ...(data.segmentId !== undefined ? { segmentId: data.segmentId } : {}),
      ...(rawRules !== undefined ? { rules } : {}),
      ...(data.filters !== undefined ? { filters: data.filters } : {}),
    },
    rules,
    fields,
    maxRowsPerFile: data.maxRowsPerFile ?? maxRowsPerFileLimit,
    principal,
    createdBy: principal.id,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    rowsWritten: 0,
    files: [],
    runs: 0,
  };
  await deps.jobs.create(job);
  const message: ExportMessage = { workspaceId: job.workspaceId, exportId: job.id };
  await deps.queue.send({ body: message });
  return { id: job.id, status: 'queued' };
}

const seesAll = (principal: Principal) => principal.kind === 'apiKey' || principal.role === 'admin';

/** The export as clients see it; download links (when asked) only once it is completed. */
export async function presentExport(deps: ExportDeps, job: ExportJob, withLinks = true) {
  const links = withLinks && job.status === 'completed';
  const expiresAt = new Date(deps.clock.now().getTime() + downloadLinkSeconds * 1000).toISOString();
  const files = await Promise.all(
    job.files.map(async (file) => ({
      name: file.name,
      rows: file.rows,
      ...(links ? { url: await deps.files.presignGet(file.key, downloadLinkSeconds, file.name), expiresAt } : {}),
    })),
  );
  return {
    id: job.id,
    status: job.status,
    format: job.format,
    rowsWritten: job.rowsWritten,
    files,
    ...(job.error ? { error: job.error } : {}),
    ...(job.source.segmentId ? { segmentId: job.source.segmentId } : {}),
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    createdBy: job.createdBy,
  };
}

export async function getExport(deps: ExportDeps, principal: Principal, id: string) {
  const job = await deps.jobs.get(principal.workspaceId, id);
  // Someone else's export is as good as nonexistent: it holds contacts they could read.
  if (!job || (!seesAll(principal) && job.createdBy !== principal.id)) throw new NotFoundError(`No export ${id} in this workspace`);
  return presentExport(deps, job);
}

export async function listExports(deps: ExportDeps, principal: Principal, query: Readonly<Record<string, string>>) {
  const limit = query.limit === undefined ? 25 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid([{ field: 'limit', message: 'Must be a whole number from 1 to 100' }]);
  const page = await deps.jobs.list(principal.workspaceId, {
    limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
    ...(seesAll(principal) ? {} : { createdBy: principal.id }),
  });
  // Lists carry no links: GET /exports/{id} signs fresh ones.
  return {
    items: await Promise.all(page.items.map((job) => presentExport(deps, job, false))),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}
