/**
 * The import worker: streams the uploaded file through the reader and cleaner, de-duplicates
 * within the file and against the database, writes contacts (or, in compare mode, only looks),
 * and writes the report. Runs in Lambda invocations of at most 15 minutes, so it works in
 * checkpoints and hands over to its next invocation through the importJobs queue.
 *
 * Why a retried or crashed import neither doubles nor loses rows:
 * - One worker at a time: a lease on the job (conditional write: free, expired or ours), renewed
 *   with every checkpoint; a checkpoint or completion by a worker that lost its lease fails.
 * - A checkpoint is one conditional write of { last row fully applied, counts, report parts }.
 *   Rows after it may have been written by a crashed attempt; the next attempt re-reads the file
 *   from the start (cleaning and in-file de-duplication are deterministic, so rows up to the
 *   checkpoint are only replayed into the de-duplicator) and applies the rest again:
 *   - a new contact gets a deterministic id per (import, row) and is written only if absent, so a
 *     row created before the crash is found (by its key, or by its id) and counted as created once;
 *   - an update re-applies the same values (a no-op the second time) and counts once;
 *   - counts and report lines of unfinished rows were never committed, so nothing counts twice.
 * - Report lines go to a part object per checkpoint (named by its first row and the writer's
 *   lease), listed in the checkpoint; the final CSV concatenates the listed parts only.
 */
import type { Contact } from '../../contacts/contact';
import { DuplicateEmailError, StaleVersionError } from '../../contacts/contact-store';
import type { CustomFieldDefinition } from '../../contacts/definitions';
import type { DefinitionStore } from '../../contacts/definition-store';
import { createContactSchema } from '../../contacts/schemas';
import { visibilityOf } from '../../contacts/visibility';
import { fieldErrorsOf } from '../../http/problem';
import type { Clock } from '../../ports/clock';
import type { Queue } from '../../ports/queue';
import { cleanRow, createDeduper, keyValue, type CleanOptions, type Reason } from '../clean';
import { CUSTOM_PREFIX, ImportFileError, openImport, type ImportRow, type RowReject } from '../read';
import { importedContactId } from './ids';
import { customFieldRefs, reportPrefix, type ImportMessage } from './imports';
import { isFinished, type ImportJob, type ImportOptions, type ImportProgress } from './model';
import { differences, importedValues, mergeImported, missingRequired, standardImportFields, type ImportedValues } from './policy';
import type { ImportContactStore, ImportFiles, JobStore } from './ports';
import { renderPart, reportHeader, utf8Bom, type ReportLine } from './report';
import type { CountryCode } from 'libphonenumber-js';

export interface WorkerDeps {
  readonly jobs: JobStore;
  readonly files: ImportFiles;
  readonly contacts: ImportContactStore;
  readonly definitions: DefinitionStore;
  readonly queue: Queue;
  readonly clock: Clock;
}

export interface WorkerSettings {
  /** Rows between checkpoints (progress the API shows, and what a retry may redo at most). */
  readonly checkpointRows: number;
  /** Rows looked up and written together. */
  readonly chunkRows: number;
  readonly writeConcurrency: number;
  /** Stop taking rows when this much of the invocation's time is left. */
  readonly reserveMs: number;
  /** At most this long taking rows per invocation (tests force continuations with a tiny one). */
  readonly budgetMs?: number;
  /** The lease outlives the invocation's deadline by this much (then a redelivery may take over). */
  readonly leaseMarginMs: number;
  /** Failed invocations in a row (no checkpoint between) before the import is marked failed. */
  readonly maxFailures: number;
  readonly retryDelaySeconds: number;
}

export const defaultWorkerSettings: WorkerSettings = {
  checkpointRows: 1000,
  chunkRows: 200,
  writeConcurrency: 16,
  reserveMs: 90_000,
  leaseMarginMs: 30_000,
  maxFailures: 3,
  retryDelaySeconds: 30,
};

export interface Invocation {
  /** Unique per invocation: the lease owner. */
  readonly owner: string;
  readonly remainingMs: () => number;
}

export type WorkerOutcome = 'completed' | 'continued' | 'failed' | 'retrying' | 'ignored' | 'busy';

/** Another worker holds the import now: stop without touching it. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/**
 * One queue message. An error while holding the lease releases it and re-queues the import with a
 * delay (after `maxFailures` such errors in a row it is marked failed with a clear detail); an
 * error before that propagates, so SQS redelivers the message.
 */
export async function handleImportMessage(deps: WorkerDeps, message: ImportMessage, invocation: Invocation, settings: WorkerSettings = defaultWorkerSettings): Promise<WorkerOutcome> {
  try {
    return await processImport(deps, message, invocation, settings);
  } catch (error) {
    if (error instanceof LeaseLostError) return 'busy';
    const job = await deps.jobs.get(message.workspaceId, message.importId);
    if (!job || isFinished(job.status) || job.lease?.owner !== invocation.owner) throw error;
    const failures = (job.failures ?? 0) + 1;
    const now = deps.clock.now().toISOString();
    if (failures >= settings.maxFailures) {
      await deps.jobs.update(
        message.workspaceId,
        message.importId,
        {
          status: 'failed',
          failures,
          lease: undefined,
          updatedAt: now,
          finishedAt: now,
          error: {
            detail: `The import stopped after ${failures} failed attempts in a row. Rows up to row ${job.checkpoint?.row ?? 1} were applied; importing the same file again with policy skip adds the rest.`,
          },
        },
        { leaseOwner: invocation.owner },
      );
      return 'failed';
    }
    const released = await deps.jobs.update(message.workspaceId, message.importId, { failures, lease: undefined, updatedAt: now }, { leaseOwner: invocation.owner });
    if (!released) throw error;
    await deps.queue.send({ body: message, delaySeconds: settings.retryDelaySeconds });
    return 'retrying';
  }
}

interface Pending {
  readonly row: number;
  /** Cleaned fields and tags, kept to re-derive values when definitions change. */
  readonly fields: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  values: ImportedValues;
}

type RowOutcome = { kind: 'created' | 'updated' | 'skipped' } | { kind: 'rejected'; reasons: Reason[] };

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

const pad = (n: number) => String(n).padStart(10, '0');

export async function processImport(deps: WorkerDeps, message: ImportMessage, invocation: Invocation, settings: WorkerSettings = defaultWorkerSettings): Promise<WorkerOutcome> {
  const { workspaceId: ws, importId: id } = message;
  const started = deps.clock.now().getTime();
  const iso = () => deps.clock.now().toISOString();
  const leaseUntil = () => deps.clock.now().getTime() + invocation.remainingMs() + settings.leaseMarginMs;
  const owner = invocation.owner;

  const found = await deps.jobs.get(ws, id);
  if (!found || (found.status !== 'queued' && found.status !== 'running') || !found.options) return 'ignored';
  const leased = await deps.jobs.update(
    ws,
    id,
    { status: 'running', lease: { owner, until: leaseUntil() }, startedAt: found.startedAt ?? iso(), updatedAt: iso() },
    { statusIn: ['queued', 'running'], leaseFreeAt: started, leaseOwnerOrFree: owner },
  );
  // Held by a live worker: it continues or, if it dies, its own message comes back.
  if (!leased) return 'busy';
  const job: ImportJob = leased;
  const options = job.options as ImportOptions;
  const prefix = reportPrefix(ws, id);
  const stopAt = started + Math.min(settings.budgetMs ?? Number.POSITIVE_INFINITY, invocation.remainingMs() - settings.reserveMs);

  const fail = async (detail: string): Promise<WorkerOutcome> => {
    const done = await deps.jobs.update(ws, id, { status: 'failed', error: { detail }, lease: undefined, updatedAt: iso(), finishedAt: iso() }, { leaseOwner: owner });
    if (!done) throw new LeaseLostError();
    return 'failed';
  };
  const handOver = async (): Promise<WorkerOutcome> => {
    const released = await deps.jobs.update(ws, id, { lease: undefined, updatedAt: iso() }, { leaseOwner: owner });
    if (!released) throw new LeaseLostError();
    await deps.queue.send({ body: { workspaceId: ws, importId: id } satisfies ImportMessage });
    return 'continued';
  };

  let parts = [...(job.checkpoint?.parts ?? [])];
  if (!job.checkpoint?.rowsDone) {
    const result = await applyRows();
    if (result !== 'done') return result;
    // Assembling a large report takes a while: leave it to a fresh invocation when time is short.
    if (invocation.remainingMs() < settings.reserveMs / 2) return handOver();
  }
  return assemble();

  async function assemble(): Promise<WorkerOutcome> {
    const reportKey = `${prefix}report.csv`;
    const sink = deps.files.openSink(reportKey, 'text/csv; charset=utf-8');
    try {
      await sink.write(utf8Bom + reportHeader);
      for (const part of parts) {
        const bytes = await deps.files.get(`${prefix}parts/${part}`);
        if (!bytes) throw new Error(`Report part ${part} is missing`);
        await sink.write(bytes);
      }
      await sink.end();
    } catch (error) {
      await sink.abort();
      throw error;
    }
    const done = await deps.jobs.update(ws, id, { status: 'completed', reportKey, lease: undefined, updatedAt: iso(), finishedAt: iso() }, { statusIn: ['running'], leaseOwner: owner });
    if (!done) throw new LeaseLostError();
    // The bucket's lifecycle removes leftovers if this fails.
    await deps.files.deleteMany(parts.map((p) => `${prefix}parts/${p}`)).catch(() => undefined);
    return 'completed';
  }

  async function applyRows(): Promise<'done' | WorkerOutcome> {
    let defs = await deps.definitions.load(ws);
    // The starter's rights as of this invocation's groups; jobs queued before startedBy existed
    // get an operator of the creator's department (never more than the creator could have had).
    const visibility = visibilityOf(
      job.startedBy ?? { kind: 'user', id: job.createdBy, workspaceId: ws, role: 'operator', ...(job.departmentId ? { departmentId: job.departmentId } : {}) },
      defs.groups,
    );
    const region = options.defaultRegion as CountryCode;
    const cleanOptions: CleanOptions = { region, filters: options.keywordFilters ? [options.keywordFilters] : [] };
    const keys = options.keys;
    const deduper = createDeduper(keys, { region });
    const createdAtMs = Date.parse(job.createdAt);
    const progress: ImportProgress = { ...job.progress };
    let checkpointRow = job.checkpoint?.row ?? 0;
    let lastRow = checkpointRow;
    let sinceCheckpoint = 0;
    let segment: ReportLine[] = [];
    let segmentStart = checkpointRow + 1;
    let pending: Pending[] = [];

    let opened;
    try {
      opened = await openImport(deps.files.read(job.key), {
        customFields: customFieldRefs(defs),
        ...(options.mapping ? { mapping: options.mapping } : {}),
        ...(options.encoding ? { encoding: options.encoding } : {}),
        ...(options.delimiter ? { delimiter: options.delimiter } : {}),
        ...(options.quote !== undefined ? { quote: options.quote } : {}),
        ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
      });
    } catch (error) {
      if (error instanceof ImportFileError) return fail(error.message);
      throw error;
    }

    /** Cleaned row → values the contacts domain accepts, or the reasons it refuses them. */
    const validate = (fields: Readonly<Record<string, string>>, tags: readonly string[]): { values?: ImportedValues; reasons: Reason[] } => {
      const { values, errors } = importedValues(fields, tags, defs);
      const parsed = createContactSchema.safeParse({ ...values.standard, tags });
      const reasons: Reason[] = errors.map((e) => ({ field: e.field, code: 'field.invalid', message: e.message }));
      if (!parsed.success) {
        for (const e of fieldErrorsOf(parsed.error, '')) reasons.push({ field: e.field.replace(/^\./, '') || 'row', code: 'field.invalid', message: e.message });
      }
      if (reasons.length > 0 || !parsed.success) return { reasons };
      const standard: Record<string, string> = {};
      for (const f of standardImportFields) {
        const v = (parsed.data as Record<string, unknown>)[f];
        if (typeof v === 'string') standard[f] = v;
      }
      return { values: { standard, tags: parsed.data.tags, custom: values.custom }, reasons };
    };

    const line = (l: ReportLine) => segment.push(l);

    /** Everything for one row except database work; returns the row to write, if any. */
    const classify = (item: ImportRow | RowReject, replay: boolean): Pending | undefined => {
      if (item.kind === 'reject') {
        if (!replay) {
          progress.rowsRead++;
          progress.rejected++;
          line({ row: item.rowNumber, outcome: 'rejected', field: 'row', original: item.raw ?? '', reason: item.reason });
        }
        return undefined;
      }
      const cleaned = cleanRow(item.fields, cleanOptions);
      if (!replay) {
        progress.rowsRead++;
        if (cleaned.changes.length > 0) progress.corrected++;
        for (const c of cleaned.changes) line({ row: item.rowNumber, outcome: 'corrected', field: c.field, original: c.from, corrected: c.to, reason: c.rule });
      }
      if (cleaned.outcome === 'filtered') {
        if (!replay) {
          progress.filtered++;
          line({ row: item.rowNumber, outcome: 'filtered', field: cleaned.field, original: item.fields[cleaned.field] ?? '', reason: `Keyword filter: ${cleaned.keyword}` });
        }
        return undefined;
      }
      const checked = cleaned.outcome === 'ok' ? validate(cleaned.fields, cleaned.tags) : { reasons: [...cleaned.reasons] };
      if (!checked.values) {
        if (!replay) {
          progress.rejected++;
          for (const r of checked.reasons) line({ row: item.rowNumber, outcome: 'rejected', field: r.field, original: item.fields[r.field] ?? '', reason: `${r.message} (${r.code})` });
        }
        return undefined;
      }
      const cleanedFields = cleaned.outcome === 'ok' ? cleaned.fields : {};
      const duplicate = deduper.check(cleanedFields, item.rowNumber);
      if (duplicate.duplicateOf !== undefined) {
        if (!replay) {
          progress.duplicatesInFile++;
          line({ row: item.rowNumber, outcome: 'duplicate', field: keys.join('+'), reason: `Same ${keys.join(' + ')} as row ${duplicate.duplicateOf}` });
        }
        return undefined;
      }
      return { row: item.rowNumber, fields: cleanedFields, tags: cleaned.outcome === 'ok' ? cleaned.tags : [], values: checked.values };
    };

    // ---- database side: matching by key ----
    const fieldById = (name: string): CustomFieldDefinition | undefined => defs.fields.find((f) => f.name === name);
    const shown = (v: unknown) => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v));
    const keyString = (get: (field: string) => string): string | undefined => {
      let any = false;
      const out = keys.map((k) => {
        const raw = get(k);
        const value = raw ? keyValue(k, raw, region) : '';
        if (value) any = true;
        return value;
      });
      return any ? out.join('\u0000') : undefined;
    };
    const valueOfContact = (c: Contact, k: string) =>
      k.startsWith(CUSTOM_PREFIX) ? shown(c.custom[fieldById(k.slice(CUSTOM_PREFIX.length))?.id ?? '']) : shown((c as unknown as Record<string, unknown>)[k]);
    const valueOfRow = (p: Pending, k: string) =>
      k.startsWith(CUSTOM_PREFIX) ? shown(p.values.custom[fieldById(k.slice(CUSTOM_PREFIX.length))?.id ?? '']) : shown(p.values.standard[k as keyof ImportedValues['standard']]);

    // Keys other than e-mail have no index: one pass over the workspace's contacts per invocation
    // builds key → contact id (first stored wins). Memory grows with the workspace (about 100
    // bytes a contact) and the pass costs one read of every contact; see README.md.
    let keyIndex: Map<string, string> | undefined;
    const buildKeyIndex = async () => {
      const index = new Map<string, string>();
      let cursor: string | undefined;
      do {
        const page = await deps.contacts.scan(ws, { limit: 1000, ...(cursor ? { cursor } : {}) });
        for (const c of page.items) {
          const key = keyString((k) => valueOfContact(c, k));
          if (key !== undefined && !index.has(key)) index.set(key, c.id);
        }
        cursor = page.cursor;
      } while (cursor);
      return index;
    };

    const findMatches = async (rows: readonly Pending[]): Promise<Map<number, { contact?: Contact; emailConflict?: Contact }>> => {
      const out = new Map<number, { contact?: Contact; emailConflict?: Contact }>();
      if (keys.includes('email')) {
        const emails = rows.map((p) => p.values.standard.email).filter((e): e is string => Boolean(e));
        const byEmail = emails.length ? await deps.contacts.findByEmails(ws, emails) : new Map<string, Contact>();
        for (const p of rows) {
          const c = p.values.standard.email ? byEmail.get(p.values.standard.email) : undefined;
          if (!c) out.set(p.row, {});
          else if (keyString((k) => valueOfContact(c, k)) === keyString((k) => valueOfRow(p, k))) out.set(p.row, { contact: c });
          else out.set(p.row, { emailConflict: c });
        }
        return out;
      }
      keyIndex ??= await buildKeyIndex();
      const ids = new Map<number, string>();
      for (const p of rows) {
        const key = keyString((k) => valueOfRow(p, k));
        const contactId = key === undefined ? undefined : keyIndex.get(key);
        if (contactId) ids.set(p.row, contactId);
      }
      const contacts = ids.size ? await deps.contacts.getMany(ws, [...ids.values()]) : new Map<string, Contact>();
      for (const p of rows) {
        const c = contacts.get(ids.get(p.row) ?? '');
        out.set(p.row, c ? { contact: c } : {});
      }
      return out;
    };

    /** Records the custom fields and choices about to be written (see contacts.ts markUsage). */
    const markUsage = async (rows: Pending[]): Promise<void> => {
      for (let round = 0; ; round++) {
        let stale = false;
        for (const field of defs.fields) {
          const choices = new Set<string>();
          let used = false;
          for (const p of rows) {
            const v = p.values.custom[field.id];
            if (v === undefined) continue;
            used = true;
            if (Array.isArray(v)) v.forEach((c) => choices.add(c));
            else if (field.type === 'single_choice') choices.add(String(v));
          }
          const fresh = [...choices].filter((c) => !field.usedChoices?.includes(c));
          if (!used || (field.used && fresh.length === 0)) continue;
          if (!(await deps.definitions.markUsage(ws, field, fresh))) {
            stale = true;
            break;
          }
        }
        if (!stale) return;
        if (round >= 2) throw new Error('The custom field definitions keep changing during the import');
        // A definition changed since it was read: validate these rows again with fresh ones.
        defs = await deps.definitions.load(ws);
        const still: Pending[] = [];
        for (const p of rows) {
          const checked = validate(p.fields, p.tags);
          if (checked.values) {
            p.values = checked.values;
            still.push(p);
          } else {
            progress.rejected++;
            for (const r of checked.reasons) line({ row: p.row, outcome: 'rejected', field: r.field, original: p.fields[r.field] ?? '', reason: `${r.message} (${r.code})` });
          }
        }
        rows.splice(0, rows.length, ...still);
      }
    };

    const newContact = (contactId: string, values: ImportedValues): Contact => {
      const at = iso();
      return {
        ...values.standard,
        id: contactId,
        tags: [...values.tags],
        status: 'active',
        score: 0,
        groups: [...options.groupIds].sort(),
        subscriptions: Object.fromEntries(options.subscribe.map((c) => [c, 'subscribed' as const])),
        custom: values.custom,
        ...(job.departmentId ? { departmentId: job.departmentId } : {}),
        createdAt: at,
        updatedAt: at,
        version: 1,
      } as Contact;
    };

    const emailTaken = (holder: Contact): RowOutcome => ({
      kind: 'rejected',
      reasons: [
        {
          field: 'email',
          code: 'email.taken',
          message: visibility.canRead(holder)
            ? `The e-mail belongs to another contact (${holder.id}) whose ${keys.filter((k) => k !== 'email').join(', ') || 'key'} differs`
            : 'The e-mail belongs to a contact of another department',
        },
      ],
    });
    /** A matched contact the importer may not change: rejected with why (hidden ones stay hidden). */
    const notYours = (c: Contact): RowOutcome => ({
      kind: 'rejected',
      reasons: [
        {
          field: keys.join('+'),
          code: 'contact.forbidden',
          message: visibility.canRead(c) ? `Matches contact ${c.id}, which you may not change: ${visibility.writeRefusal(c) ?? ''}` : 'Matches a contact of another department, which you may not change',
        },
      ],
    });

    const writeRow = async (p: Pending, match: { contact?: Contact; emailConflict?: Contact }): Promise<RowOutcome> => {
      const ownId = importedContactId(id, createdAtMs, p.row);
      let existing = match.contact;
      if (!existing && match.emailConflict) {
        // Our own contact from an earlier attempt holds the e-mail: it was created by this row.
        if (match.emailConflict.id === ownId) return { kind: 'created' };
        return emailTaken(match.emailConflict);
      }
      for (let attempt = 0; attempt < 4; attempt++) {
        if (!existing) {
          const missing = missingRequired(p.values, defs);
          if (missing.length > 0) return { kind: 'rejected', reasons: missing.map((m) => ({ field: m.field, code: 'row.required', message: `${m.field} is required` })) };
          try {
            await deps.contacts.createIfAbsent(ws, newContact(ownId, p.values));
            return { kind: 'created' };
          } catch (error) {
            if (!(error instanceof DuplicateEmailError) || !p.values.standard.email) throw error;
            // Someone else saved this e-mail since the lookup: match against it, once.
            const holder = (await deps.contacts.findByEmails(ws, [p.values.standard.email])).get(p.values.standard.email);
            if (!holder || !keys.includes('email') || attempt > 0) return holder ? emailTaken(holder) : { kind: 'rejected', reasons: [{ field: 'email', code: 'email.taken', message: error.message }] };
            existing = holder;
            continue;
          }
        }
        if (existing.id === ownId) return { kind: 'created' };
        if (options.policy === 'skip') return { kind: 'skipped' };
        if (!visibility.canWrite(existing)) return notYours(existing);
        const merged = mergeImported(existing, p.values, options.policy, { groupIds: options.groupIds, subscribe: options.subscribe });
        if (!merged.changed) return { kind: 'updated' };
        try {
          await deps.contacts.update(ws, { ...merged.next, updatedAt: iso(), version: existing.version + 1 }, existing);
          return { kind: 'updated' };
        } catch (error) {
          if (error instanceof DuplicateEmailError) return { kind: 'rejected', reasons: [{ field: 'email', code: 'email.taken', message: error.message }] };
          if (!(error instanceof StaleVersionError)) throw error;
          existing = await deps.contacts.get(ws, existing.id); // changed meanwhile: merge into the new version
        }
      }
      return { kind: 'rejected', reasons: [{ field: 'row', code: 'contact.busy', message: 'The matching contact kept changing while it was being updated' }] };
    };

    const flush = async () => {
      if (pending.length === 0) return;
      const rows = pending;
      pending = [];
      const matches = await findMatches(rows);
      if (options.mode === 'compare') {
        for (const p of rows) {
          const c = matches.get(p.row)?.contact ?? matches.get(p.row)?.emailConflict;
          if (!c) {
            progress.new = (progress.new ?? 0) + 1;
            line({ row: p.row, outcome: 'new', reason: 'Not in the contacts' });
            continue;
          }
          if (!visibility.canRead(c)) {
            progress.present = (progress.present ?? 0) + 1;
            line({ row: p.row, outcome: 'present', reason: 'Matches a contact of another department (not shown)' });
            continue;
          }
          const diffs = differences(c, p.values, defs);
          if (diffs.length === 0) {
            progress.present = (progress.present ?? 0) + 1;
            line({ row: p.row, outcome: 'present', reason: `Same as contact ${c.id}` });
          } else {
            progress.different = (progress.different ?? 0) + 1;
            for (const d of diffs) line({ row: p.row, outcome: 'different', field: d.field, original: d.stored, corrected: d.imported, reason: `Differs from contact ${c.id}` });
          }
        }
        return;
      }
      await markUsage(rows);
      const results = new Map<number, RowOutcome>();
      await inParallel(rows, settings.writeConcurrency, async (p) => {
        results.set(p.row, await writeRow(p, matches.get(p.row) ?? {}));
      });
      // Counted only now, all at once: a chunk that failed half-way counts nothing.
      for (const p of rows) {
        const result = results.get(p.row) as RowOutcome;
        if (result.kind === 'rejected') {
          progress.rejected++;
          for (const r of result.reasons) line({ row: p.row, outcome: 'rejected', field: r.field, original: p.fields[r.field] ?? '', reason: `${r.message} (${r.code})` });
        } else progress[result.kind]++;
      }
    };

    const commit = async (rowsDone: boolean) => {
      await flush();
      if (segment.length > 0) {
        const name = `${pad(segmentStart)}-${owner.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}.csv`;
        await deps.files.put(`${prefix}parts/${name}`, renderPart(segment), 'text/csv; charset=utf-8');
        parts = [...parts, name];
      }
      const written = await deps.jobs.update(
        ws,
        id,
        { progress, checkpoint: { row: lastRow, parts, ...(rowsDone ? { rowsDone } : {}) }, failures: undefined, lease: { owner, until: leaseUntil() }, updatedAt: iso() },
        { statusIn: ['running'], leaseOwner: owner },
      );
      if (!written) throw new LeaseLostError();
      segment = [];
      segmentStart = lastRow + 1;
      checkpointRow = lastRow;
      sinceCheckpoint = 0;
    };

    try {
      for await (const item of opened.rows) {
        if (item.rowNumber <= checkpointRow) {
          classify(item, true); // rebuilds the in-file duplicate table only
          continue;
        }
        const row = classify(item, false);
        if (row) pending.push(row);
        lastRow = item.rowNumber;
        sinceCheckpoint++;
        if (pending.length >= settings.chunkRows || sinceCheckpoint >= settings.checkpointRows) {
          await flush();
          if (deps.clock.now().getTime() >= stopAt) {
            await commit(false);
            return await handOver();
          }
          if (sinceCheckpoint >= settings.checkpointRows) await commit(false);
        }
      }
    } catch (error) {
      if (error instanceof ImportFileError) {
        await commit(false);
        return fail(`${error.message} Rows before row ${lastRow + 1} were applied (see the progress counts).`);
      }
      throw error;
    }
    await commit(true);
    return 'done';
  }
}
