/** Request and response schemas of the import routes (also the OpenAPI components Import*). */
import { z } from 'zod';
import { importStatuses } from './model';

/** Single PUT up to this size; larger files go up in parts. */
export const singlePutMaxBytes = 100 * 1024 * 1024;
/** S3 allows 10,000 parts; 5 GiB is plenty for a contact list. */
export const maxImportBytes = 5 * 1024 * 1024 * 1024;
export const minPartSize = 8 * 1024 * 1024;

export const createImportSchema = z
  .strictObject({
    fileName: z.string().trim().min(1).max(255),
    fileSize: z.number().int().min(1, { message: 'The file is empty' }).max(maxImportBytes, { message: 'At most 5 GiB' }),
    contentType: z.string().max(200).optional(),
  })
  .meta({ description: 'The file about to be uploaded (CSV, TSV or XLSX)' });

export const completeUploadSchema = z
  .strictObject({
    parts: z
      .array(z.strictObject({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }))
      .min(1)
      .max(10_000),
  })
  .meta({ description: 'Every part uploaded, with the ETag header its PUT answered' });

const fieldName = z.string().min(1).max(80);

export const startImportSchema = z
  .strictObject({
    mode: z.enum(['import', 'compare']).default('import'),
    mapping: z.record(z.string().max(200), fieldName.nullable()).optional(),
    encoding: z.enum(['auto', 'utf-8', 'utf-16le', 'utf-16be', 'big5', 'gb18030', 'shift_jis']).optional(),
    delimiter: z.string().min(1).max(4).optional(),
    quote: z.boolean().optional(),
    sheet: z.union([z.string().min(1).max(100), z.number().int().min(1)]).optional(),
    keys: z.array(fieldName).min(1).max(5).default(['email']),
    policy: z.enum(['skip', 'update', 'updateEmpty']).default('skip'),
    defaultRegion: z
      .string()
      .regex(/^[A-Z]{2}$/, { message: 'A two-letter region such as TW' })
      .default('TW'),
    keywordFilters: z.strictObject({ keywords: z.array(z.string().min(1).max(100)).min(1).max(100), fields: z.array(fieldName).max(50).optional() }).optional(),
    groupIds: z.array(z.string().min(1).max(64)).max(50).default([]),
    subscribe: z.array(z.string().min(1).max(64)).max(50).default([]),
  })
  .meta({ description: 'How to read, clean, de-duplicate and apply the file' });
export type StartImportInput = z.output<typeof startImportSchema>;

export const listImportsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(600).optional(),
});

const changeSchema = z.object({ field: z.string(), from: z.string(), to: z.string(), rule: z.string() });
const reasonSchema = z.object({ field: z.string(), code: z.string(), message: z.string() });

const progressSchema = z.object({
  rowsRead: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  skipped: z.number().int(),
  rejected: z.number().int(),
  filtered: z.number().int(),
  duplicatesInFile: z.number().int(),
  corrected: z.number().int(),
  new: z.number().int().optional(),
  present: z.number().int().optional(),
  different: z.number().int().optional(),
});

export const importSchema = z
  .object({
    id: z.string(),
    status: z.enum(importStatuses),
    mode: z.enum(['import', 'compare']),
    fileName: z.string(),
    fileSize: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    createdBy: z.string(),
    preview: z
      .object({
        detected: z.object({ format: z.enum(['csv', 'tsv', 'xlsx']), encoding: z.string(), delimiter: z.string().optional() }),
        header: z.array(z.string()),
        mapping: z.record(z.string(), z.string().nullable()),
        fields: z.array(z.string()),
        sample: z.array(
          z.object({
            rowNumber: z.number().int(),
            fields: z.record(z.string(), z.string()),
            outcome: z.enum(['ok', 'rejected', 'filtered']),
            changes: z.array(changeSchema),
            reasons: z.array(reasonSchema),
          }),
        ),
      })
      .optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    progress: progressSchema,
    error: z.object({ detail: z.string() }).optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    reportAvailable: z.boolean(),
  })
  .meta({ description: 'A contact import and how far it got' });

export const importCreatedSchema = z
  .object({
    id: z.string(),
    status: z.literal('awaiting_upload'),
    upload: z.object({ method: z.literal('PUT'), url: z.string(), headers: z.record(z.string(), z.string()) }).optional(),
    multipart: z
      .object({ partSize: z.number().int(), parts: z.array(z.object({ partNumber: z.number().int(), url: z.string() })) })
      .optional()
      .meta({ description: 'Files over 100 MiB: PUT each part to its URL, then POST /imports/{id}/complete with the ETags' }),
  })
  .meta({ description: 'Upload the file with `upload` (one PUT) or `multipart` (parts)' });

export const importPageSchema = z.object({ items: z.array(importSchema), nextCursor: z.string().optional() });
export const importReportLinkSchema = z.object({ url: z.string(), expiresAt: z.string() });
export const importStartedSchema = z.object({ status: z.literal('queued') });
