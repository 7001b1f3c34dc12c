/**
 * The export job: contacts written to CSV or XLSX files in the reports bucket, stored in the
 * `jobs` table (`WS#<ws>` / `EXPORT#<id>`).
 *
 *   queued ──worker lease──► running ──► completed
 *                              │ ▲  └───► failed
 *                              └─┘ checkpoint + re-queue before the function's time runs out
 *
 * What to export is fixed when the job is created: a segment's rules are copied, simple filters
 * become rules, and the columns are named. The worker reads the contacts in id order and
 * checkpoints after every finished file (`after`: the last contact accounted for), so a retried
 * or continued run rewrites at most the file it was in, under the same key: never a duplicate.
 */
import { z } from 'zod';
import type { Principal } from '../api/operation';
import { contactStatuses } from '../contacts/contact';
import { ruleTreeSchema, type RuleTree } from '../segments/rules';

export const exportStatuses = ['queued', 'running', 'completed', 'failed'] as const;
export type ExportStatus = (typeof exportStatuses)[number];
export const exportFormats = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** XLSX sheets hold 1,048,576 rows; one file of this many rows is written well within one run. */
export const maxRowsPerFileLimit = 1_000_000;

export interface ExportFile {
  readonly name: string;
  readonly key: string;
  readonly rows: number;
}

export interface ExportFilters {
  readonly group?: string;
  readonly category?: string;
  readonly status?: (typeof contactStatuses)[number];
  readonly scoreMin?: number;
  readonly scoreMax?: number;
  readonly q?: string;
}

export interface ExportJob {
  readonly id: string;
  readonly workspaceId: string;
  readonly status: ExportStatus;
  readonly format: ExportFormat;
  /** What the client asked for (shown back); `rules` is what the worker evaluates. */
  readonly source: { readonly segmentId?: string; readonly rules?: RuleTree; readonly filters?: ExportFilters };
  readonly rules: RuleTree;
  /** Column keys: standard field names and `custom.<name>`. */
  readonly fields: readonly string[];
  readonly maxRowsPerFile: number;
  /** Whose visibility the export runs with (re-resolved at run time: current shares apply). */
  readonly principal: Principal;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly rowsWritten: number;
  readonly files: readonly ExportFile[];
  /** The last contact id accounted for by the finished files (absent: from the start). */
  readonly after?: string;
  readonly error?: { readonly detail: string };
  /** Runs so far (each continuation is one). */
  readonly runs: number;
}

const filtersSchema = z.strictObject({
  group: z.string().min(1).max(64).optional(),
  category: z.string().min(1).max(64).optional(),
  status: z.enum(contactStatuses).optional(),
  scoreMin: z.number().int().min(0).optional(),
  scoreMax: z.number().int().min(0).optional(),
  q: z.string().trim().min(1).max(100).optional(),
});

export const createExportSchema = z
  .strictObject({
    format: z.enum(exportFormats),
    segmentId: z.string().min(1).max(64).optional(),
    rules: ruleTreeSchema.optional(),
    filters: filtersSchema.optional(),
    fields: z.array(z.string().min(1).max(100)).min(1).max(300).optional(),
    maxRowsPerFile: z.number().int().min(1).max(maxRowsPerFileLimit).optional(),
  })
  .meta({
    description:
      'What to export: one of segmentId, rules or filters (none: every contact you can read); fields: columns (standard ' +
      'field names and custom.<name>; default all); maxRowsPerFile: split into files of at most this many rows (default and ' +
      `most ${maxRowsPerFileLimit.toLocaleString('en')}).`,
  });

export const exportSchema = z
  .object({
    id: z.string(),
    status: z.enum(exportStatuses),
    format: z.enum(exportFormats),
    rowsWritten: z.number().int(),
    files: z.array(
      z.object({
        name: z.string(),
        rows: z.number().int(),
        url: z.string().optional().meta({ description: 'Presigned download link (completed exports)' }),
        expiresAt: z.iso.datetime().optional(),
      }),
    ),
    error: z.object({ detail: z.string() }).optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    createdBy: z.string(),
  })
  .meta({ description: 'A contact export' });

/** The message on the exportJobs queue: run (or continue) one export. */
export const exportMessageSchema = z.object({ workspaceId: z.string().min(1), exportId: z.string().min(1) });
export type ExportMessage = z.infer<typeof exportMessageSchema>;
