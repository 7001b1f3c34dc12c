/**
 * One run of the export worker on one export: take the job's lease, read the workspace's contacts
 * in id order from the checkpoint, keep those the creator may read and the rules match, and write
 * them into files of at most maxRowsPerFile rows, each streamed to the reports bucket.
 *
 * Idempotent on the export id, whatever SQS delivers: a finished export is skipped; a running one
 * leased to another live run makes this delivery fail (SQS brings it back after the visibility
 * timeout, by which time that lease has ended); files are named by their position, so a rerun of a
 * file overwrites the same key. Before the function's time runs out the run finishes the file it
 * is in (files may then hold fewer rows, never more), checkpoints, and queues its continuation.
 */
import { randomUUID } from 'node:crypto';
import type { Queue } from '../ports/queue';
import { evaluationContext, matches } from '../segments/evaluate';
import type { ContactScanner } from '../segments/ports';
import { audienceOf } from '../segments/segments';
import type { Contact } from '../contacts/contact';
import type { ExportDeps } from './exports';
import type { ExportFile, ExportJob, ExportMessage } from './model';
import type { ExportPatch } from './ports';
import { columnsOf, contentTypes, openRowWriter, type RowWriter } from './writers';

export interface RunDeps extends ExportDeps {
  readonly scanner: ContactScanner;
  readonly queue: Queue;
  /** Contacts read per page. */
  readonly pageSize?: number;
  /** Stop (checkpoint and continue in a new run) when less than this is left (default 60 s). */
  readonly safetyMs?: number;
}

export interface RunContext {
  /** Milliseconds left before the function is stopped. */
  remainingMs(): number;
  /** The last delivery SQS will make of this message: a failure now fails the export for good. */
  readonly finalAttempt: boolean;
}

export type RunOutcome = 'completed' | 'failed' | 'continued' | 'skipped';

/** Another live run holds the export: let SQS deliver this message again later. */
export class ExportBusyError extends Error {
  override readonly name = 'ExportBusyError';
}

const finished = (job: ExportJob | undefined) => !job || job.status === 'completed' || job.status === 'failed';
const fileName = (index: number, job: ExportJob) => `contacts-${String(index + 1).padStart(3, '0')}.${job.format}`;

export async function runExport(deps: RunDeps, message: ExportMessage, run: RunContext): Promise<RunOutcome> {
  const ws = message.workspaceId;
  const existing = await deps.jobs.get(ws, message.exportId);
  if (finished(existing)) return 'skipped';
  const owner = randomUUID();
  const now = deps.clock.now().getTime();
  // The lease outlives this run by a margin: no second run can start while this one may still write.
  const job = await deps.jobs.acquire(ws, message.exportId, owner, now, now + run.remainingMs() + 30_000);
  if (!job) {
    if (finished(await deps.jobs.get(ws, message.exportId))) return 'skipped';
    throw new ExportBusyError(`Export ${message.exportId} is being written by another run`);
  }
  try {
    return await write(deps, job, owner, run);
  } catch (error) {
    if (!run.finalAttempt) {
      await deps.jobs.save(ws, job.id, owner, { updatedAt: deps.clock.now().toISOString() }, true);
      throw error;
    }
    const detail = 'The export failed repeatedly; try again, or ask an administrator to look at the export worker\'s logs';
    await deps.jobs.save(ws, job.id, owner, { status: 'failed', error: { detail }, updatedAt: deps.clock.now().toISOString() }, true);
    return 'failed';
  }
}

async function write(deps: RunDeps, job: ExportJob, owner: string, run: RunContext): Promise<RunOutcome> {
  const ws = job.workspaceId;
  const safety = deps.safetyMs ?? 60_000;
  const audience = await audienceOf(deps, job.principal, true);
  const context = evaluationContext(audience.definitions, deps.clock.now());
  const columns = columnsOf(job.fields, audience.definitions);
  const header = columns.map((c) => c.header);

  const files: ExportFile[] = [...job.files];
  let rowsWritten = job.rowsWritten;
  let after = job.after;
  let writer: RowWriter | undefined;
  let rows = 0;
  let position = after;

  const save = async (patch: ExportPatch, release = false) => {
    if (!(await deps.jobs.save(ws, job.id, owner, { ...patch, updatedAt: deps.clock.now().toISOString() }, release))) {
      throw new ExportBusyError(`Export ${job.id}: the lease was lost`);
    }
  };
  const open = async () => {
    const name = fileName(files.length, job);
    const key = `exports/${ws}/${job.id}/${name}`;
    writer = await openRowWriter(job.format, deps.files.openSink(key, contentTypes[job.format]), header);
    return { name, key };
  };
  let current: { name: string; key: string } | undefined;
  /** Ends the open file and checkpoints behind its last contact. */
  const close = async () => {
    if (writer && current) {
      await writer.end();
      files.push({ ...current, rows });
      rowsWritten += rows;
    }
    writer = undefined;
    current = undefined;
    rows = 0;
    after = position;
    await save({ files, rowsWritten, ...(after ? { after } : {}) });
  };

  await save({ status: 'running', runs: job.runs + 1 });
  try {
    for (let next: string | undefined = after, more = true; more; ) {
      if (run.remainingMs() < safety) {
        await close();
        await save({}, true);
        await deps.queue.send({ body: { workspaceId: ws, exportId: job.id } satisfies ExportMessage });
        return 'continued';
      }
      const page = await deps.scanner.page(ws, { ...(next ? { after: next } : {}), limit: deps.pageSize ?? 1000 });
      for (const record of page.contacts) {
        if (audience.visibility.canRead(record as unknown as Contact) && matches(record, job.rules, context)) {
          current ??= await open();
          await writer!.write(columns.map((c) => c.value(record)));
          rows++;
        }
        position = String(record.id);
        if (rows >= job.maxRowsPerFile) await close();
      }
      next = page.next;
      more = next !== undefined;
    }
    if (writer) await close();
    // Nothing matched: still one file, with its header, rather than none to download.
    if (files.length === 0) {
      current = await open();
      await close();
    }
    await save({ status: 'completed', files, rowsWritten }, true);
    return 'completed';
  } catch (error) {
    await writer?.abort().catch(() => undefined);
    throw error;
  }
}
