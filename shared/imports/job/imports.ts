/**
 * Import use cases behind the routes (create, complete an upload, start, read, list, report) and
 * the preview the upload trigger computes. Roles are checked by the router; every read and write
 * is scoped to the principal's workspace.
 */
import type { z } from 'zod';
import type { Principal } from '../../api/operation';
import type { Definitions } from '../../contacts/definitions';
import type { DefinitionStore } from '../../contacts/definition-store';
import { resolveVisibility } from '../../contacts/visibility';
import { ulid } from '../../contacts/ids';
import { NotFoundError, ValidationError, type FieldError } from '../../errors';
import { fieldErrorsOf } from '../../http/problem';
import type { Clock } from '../../ports/clock';
import type { Queue } from '../../ports/queue';
import { cleanRow } from '../clean';
import { buildMapping, CUSTOM_PREFIX, ImportFileError, importFields, openImport, type CustomFieldRef, type ImportRow, type RowReject } from '../read';
import { emptyProgress, ImportStateError, publicImport, type ImportJob, type ImportOptions, type ImportPreview, type PreviewRow, type PublicImport } from './model';
import type { ImportFiles, JobStore } from './ports';
import { completeUploadSchema, createImportSchema, listImportsQuerySchema, minPartSize, singlePutMaxBytes, startImportSchema } from './schemas';

export interface ImportDeps {
  readonly jobs: JobStore;
  readonly files: ImportFiles;
  readonly definitions: DefinitionStore;
  readonly queue: Queue;
  readonly clock: Clock;
}

/** The message on the importJobs queue: "run (or continue) this import". */
export interface ImportMessage {
  readonly workspaceId: string;
  readonly importId: string;
}

const uploadUrlSeconds = 3600;
const multipartUrlSeconds = 6 * 3600;
const reportUrlSeconds = 900;
const previewRows = 10;

function parse<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input ?? (root === 'body' ? undefined : {}));
  if (!result.success) {
    const errors = fieldErrorsOf(result.error, root);
    throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  }
  return result.data;
}

/** A file name safe as the last part of an object key: no path separators or control characters. */
export function sanitiseFileName(name: string): string {
  const base = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const clean = base.replace(/[\u0000-\u001f\u007f"<>|?*#%{}^~`[\]]/g, '_').replace(/^\.+/, '_').trim().slice(0, 120);
  return clean === '' ? 'upload' : clean;
}

export const uploadKey = (workspaceId: string, id: string, fileName: string) => `imports/${workspaceId}/${id}/${sanitiseFileName(fileName)}`;
export const reportPrefix = (workspaceId: string, id: string) => `import-reports/${workspaceId}/${id}/`;

/** `imports/<ws>/<id>/<file>` → its parts, or undefined for any other key. */
export function parseUploadKey(key: string): { workspaceId: string; importId: string } | undefined {
  const match = /^imports\/([^/]+)\/([0-9A-HJKMNP-TV-Z]{26})\/[^/]+$/.exec(key);
  return match ? { workspaceId: match[1] as string, importId: match[2] as string } : undefined;
}

async function getJob(deps: Pick<ImportDeps, 'jobs'>, workspaceId: string, id: string): Promise<ImportJob> {
  const job = /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id) ? await deps.jobs.get(workspaceId, id) : undefined;
  if (!job) throw new NotFoundError(`No import ${id} in this workspace`);
  return job;
}

export async function createImport(deps: ImportDeps, principal: Principal, input: unknown) {
  if (input === undefined) throw new ValidationError('The request needs a JSON body', [{ field: 'body', message: 'Required' }]);
  const body = parse(createImportSchema, input, 'body');
  const now = deps.clock.now();
  const id = ulid(now.getTime());
  const key = uploadKey(principal.workspaceId, id, body.fileName);
  const multipart = body.fileSize > singlePutMaxBytes;
  const partSize = Math.max(minPartSize, Math.ceil(body.fileSize / 10_000 / (1024 * 1024)) * 1024 * 1024);
  const partCount = Math.ceil(body.fileSize / partSize);
  const uploadId = multipart ? await deps.files.startMultipart(key, body.contentType) : undefined;
  const job: ImportJob = {
    id,
    workspaceId: principal.workspaceId,
    status: 'awaiting_upload',
    mode: 'import',
    fileName: body.fileName,
    fileSize: body.fileSize,
    ...(body.contentType ? { contentType: body.contentType } : {}),
    key,
    upload: multipart ? { kind: 'multipart', uploadId, partSize, partCount } : { kind: 'put' },
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    createdBy: principal.id,
    ...(principal.departmentId ? { departmentId: principal.departmentId } : {}),
    progress: emptyProgress('import'),
  };
  await deps.jobs.create(job);
  if (!multipart) {
    const put = await deps.files.presignPut(key, uploadUrlSeconds);
    return { id, status: 'awaiting_upload' as const, upload: { method: 'PUT' as const, url: put.url, headers: put.headers } };
  }
  const parts = [];
  for (let partNumber = 1; partNumber <= partCount; partNumber++) {
    parts.push({ partNumber, url: await deps.files.presignPart(key, uploadId as string, partNumber, multipartUrlSeconds) });
  }
  return { id, status: 'awaiting_upload' as const, multipart: { partSize, parts } };
}

export async function completeUpload(deps: ImportDeps, principal: Principal, id: string, input: unknown): Promise<PublicImport> {
  const job = await getJob(deps, principal.workspaceId, id);
  const body = parse(completeUploadSchema, input, 'body');
  if (job.status !== 'awaiting_upload') throw new ImportStateError(id, job.status, 'complete its upload');
  if (job.upload.kind !== 'multipart' || !job.upload.uploadId) {
    throw new ValidationError('This import is uploaded with one PUT; there are no parts to complete', [{ field: 'parts', message: 'Not a multipart upload' }]);
  }
  // S3 then announces the object; the upload trigger computes the preview.
  await deps.files.completeMultipart(job.key, job.upload.uploadId, body.parts);
  return publicImport(job);
}

export async function getImport(deps: ImportDeps, principal: Principal, id: string): Promise<PublicImport> {
  return publicImport(await getJob(deps, principal.workspaceId, id));
}

export async function listImports(deps: ImportDeps, principal: Principal, query: unknown) {
  const { limit, cursor } = parse(listImportsQuerySchema, query, 'query');
  const page = await deps.jobs.list(principal.workspaceId, { limit, ...(cursor ? { cursor } : {}) });
  return { items: page.items.map(publicImport), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

export async function getReportLink(deps: ImportDeps, principal: Principal, id: string): Promise<{ url: string; expiresAt: string }> {
  const job = await getJob(deps, principal.workspaceId, id);
  if (!job.reportKey) throw new NotFoundError(`Import ${id} has no report yet (it is ${job.status})`);
  const url = await deps.files.presignGet(job.reportKey, reportUrlSeconds, `import-${id}-report.csv`);
  return { url, expiresAt: new Date(deps.clock.now().getTime() + reportUrlSeconds * 1000).toISOString() };
}

export const customFieldRefs = (defs: Definitions): CustomFieldRef[] =>
  defs.fields.map((f) => ({
    name: f.name,
    ...(f.label.en ?? f.label['zh-TW'] ? { label: f.label.en ?? f.label['zh-TW'] } : {}),
    labels: Object.fromEntries(Object.entries(f.label).filter((e): e is [string, string] => typeof e[1] === 'string')),
  }));

export const availableFields = (defs: Definitions): string[] => [...importFields, ...defs.fields.map((f) => CUSTOM_PREFIX + f.name)];

/** Target fields a key, filter or mapping may name. */
function checkFieldNames(names: readonly string[], allowed: readonly string[], path: string, errors: FieldError[]): void {
  names.forEach((name, i) => {
    if (!allowed.includes(name)) errors.push({ field: `${path}.${i}`, message: `Unknown field ${name}; one of ${allowed.join(', ')}` });
  });
}

export async function startImport(deps: ImportDeps, principal: Principal, id: string, input: unknown): Promise<{ status: 'queued' }> {
  const job = await getJob(deps, principal.workspaceId, id);
  const body = parse(startImportSchema, input ?? {}, 'body');
  if (job.status !== 'ready') throw new ImportStateError(id, job.status, 'start');
  const defs = await deps.definitions.load(principal.workspaceId);
  const allowed = availableFields(defs);
  const errors: FieldError[] = [];
  checkFieldNames(body.keys.filter((k) => k !== 'tags'), allowed, 'keys', errors);
  if (body.keys.includes('tags')) errors.push({ field: 'keys', message: 'tags cannot be a key' });
  if (body.keywordFilters?.fields) checkFieldNames(body.keywordFilters.fields, allowed, 'keywordFilters.fields', errors);
  const visibility = await resolveVisibility({ definitions: deps.definitions }, principal, defs);
  body.groupIds.forEach((g, i) => {
    const group = defs.groups.find((d) => d.id === g);
    // A group the principal cannot see looks nonexistent, as everywhere else.
    if (!group || !visibility.canSeeGroup(group)) errors.push({ field: `groupIds.${i}`, message: `No group ${g} in this workspace` });
    else if (!visibility.canUseGroup(group)) errors.push({ field: `groupIds.${i}`, message: `Group ${group.name} is shared with you read-only: contacts cannot be added to it` });
  });
  body.subscribe.forEach((c, i) => {
    if (!defs.categories.some((d) => d.id === c)) errors.push({ field: `subscribe.${i}`, message: `No category ${c} in this workspace` });
  });
  // The header is known from the preview unless reading options change how the file splits.
  const sameReading = body.sheet === undefined && body.delimiter === undefined && body.encoding === undefined && body.quote === undefined;
  if (body.mapping && job.preview && sameReading) {
    try {
      buildMapping(job.preview.header, body.mapping, customFieldRefs(defs));
    } catch (error) {
      if (error instanceof ImportFileError) errors.push(...(error.errors.length ? error.errors : [{ field: 'mapping', message: error.message }]));
      else throw error;
    }
  }
  if (errors.length > 0) throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
  const options: ImportOptions = {
    mode: body.mode,
    keys: [...new Set(body.keys)],
    policy: body.policy,
    defaultRegion: body.defaultRegion,
    groupIds: body.groupIds,
    subscribe: body.subscribe,
    ...(body.mapping ? { mapping: body.mapping } : {}),
    ...(body.encoding ? { encoding: body.encoding } : {}),
    ...(body.delimiter ? { delimiter: body.delimiter } : {}),
    ...(body.quote !== undefined ? { quote: body.quote } : {}),
    ...(body.sheet !== undefined ? { sheet: body.sheet } : {}),
    ...(body.keywordFilters ? { keywordFilters: body.keywordFilters } : {}),
  };
  const now = deps.clock.now().toISOString();
  const queued = await deps.jobs.update(
    principal.workspaceId,
    id,
    { status: 'queued', mode: body.mode, options, startedBy: principal, progress: emptyProgress(body.mode), updatedAt: now },
    { statusIn: ['ready'] },
  );
  if (!queued) {
    const current = await getJob(deps, principal.workspaceId, id);
    throw new ImportStateError(id, current.status, 'start');
  }
  try {
    await deps.queue.send({ body: { workspaceId: principal.workspaceId, importId: id } satisfies ImportMessage });
  } catch (error) {
    // Not queued after all: back to ready, so the user can start it again.
    await deps.jobs.update(principal.workspaceId, id, { status: 'ready', updatedAt: deps.clock.now().toISOString() }, { statusIn: ['queued'] });
    throw error;
  }
  return { status: 'queued' };
}

/**
 * The upload trigger: reads the head of the new object and stores the preview (status ready), or
 * the reason the file cannot be imported (status failed). Repeated events change nothing.
 */
export async function previewUpload(deps: Pick<ImportDeps, 'jobs' | 'files' | 'definitions' | 'clock'>, eventKey: string): Promise<'ready' | 'failed' | 'ignored'> {
  // S3 notifications URL-encode keys (a space as +); accept the key either way.
  let decoded = eventKey;
  try {
    decoded = decodeURIComponent(eventKey.replace(/\+/g, ' '));
  } catch {
    // not encoded after all
  }
  const ref = parseUploadKey(eventKey) ?? parseUploadKey(decoded);
  if (!ref) return 'ignored';
  const job = await deps.jobs.get(ref.workspaceId, ref.importId);
  if (!job || job.status !== 'awaiting_upload' || (job.key !== eventKey && job.key !== decoded)) return 'ignored';
  const key = job.key;
  const defs = await deps.definitions.load(ref.workspaceId);
  let preview: ImportPreview;
  try {
    const opened = await openImport(deps.files.read(key), { customFields: customFieldRefs(defs) });
    const sample: PreviewRow[] = [];
    const rows = opened.rows[Symbol.asyncIterator]();
    try {
      while (sample.length < previewRows) {
        const next = await rows.next();
        if (next.done) break;
        sample.push(previewRow(next.value));
      }
    } finally {
      await rows.return?.();
    }
    preview = { detected: opened.detected, header: opened.header, mapping: opened.mapping, fields: availableFields(defs), sample };
  } catch (error) {
    if (!(error instanceof ImportFileError)) throw error;
    const failed = await deps.jobs.update(
      ref.workspaceId,
      ref.importId,
      { status: 'failed', error: { detail: error.message }, updatedAt: deps.clock.now().toISOString(), finishedAt: deps.clock.now().toISOString() },
      { statusIn: ['awaiting_upload'] },
    );
    return failed ? 'failed' : 'ignored';
  }
  const ready = await deps.jobs.update(ref.workspaceId, ref.importId, { status: 'ready', preview, updatedAt: deps.clock.now().toISOString() }, { statusIn: ['awaiting_upload'] });
  return ready ? 'ready' : 'ignored';
}

function previewRow(item: ImportRow | RowReject): PreviewRow {
  if (item.kind === 'reject') {
    return { rowNumber: item.rowNumber, fields: {}, outcome: 'rejected', changes: [], reasons: [{ field: 'row', code: 'row.unreadable', message: item.reason }] };
  }
  const cleaned = cleanRow(item.fields);
  return {
    rowNumber: item.rowNumber,
    fields: item.fields,
    outcome: cleaned.outcome,
    changes: cleaned.changes,
    reasons: cleaned.outcome === 'rejected' ? cleaned.reasons : cleaned.outcome === 'filtered' ? [{ field: cleaned.field, code: 'row.filtered', message: `Contains ${cleaned.keyword}` }] : [],
  };
}
