/**
 * Uploaded and fetched lists (CSV, TSV or XLSX), read with the imports reader so encodings
 * (Big5, UTF-16 …), delimiters and spreadsheets behave exactly as in contact imports.
 *
 * Every column becomes a merge field named by its header; a column the import mapper recognises
 * (姓名 → name, 公司 → company …) fills that standard field too, and one named like a custom field
 * (its name or label) fills `custom.<name>`. The address comes from the column the mapper calls
 * e-mail (Email, E-mail, Mail, 電子郵件, 信箱, 郵件 …); failing that, from the first column whose
 * values look like addresses. A file whose first row already holds an address has no header:
 * its columns are then named `Column 1`, `Column 2` … Empty cells are no merge field at all, so
 * they never blank out a contact's own value.
 *
 * The reader only hands out mapped columns, so the file is opened twice: once to learn the
 * header, then with every column mapped to itself. Only the first 64 KiB are read the first time.
 */
import { ValidationError } from '../../errors';
import { cleanEmail } from '../../imports/clean';
import { CUSTOM_PREFIX, ImportFileError, normaliseHeader, openImport, type OpenedImport, type ReadOptions } from '../../imports/read';
import { standardMergeFields } from '../merge-fields';
import type { AudienceView } from '../view';
import { batchSize, type Candidate, type CandidateBatches } from './candidate';

/** Rows looked at to find the address column when no header names it. */
const sampleRows = 20;

const standardNames: ReadonlySet<string> = new Set(standardMergeFields);

interface Layout {
  /** Column names as the reader knows them (the mapping's keys). */
  readonly header: readonly string[];
  /** Merge field names: the header, or `Column N` for a file without one. */
  readonly names: readonly string[];
  /** The address column, when the header (or a header-less first row) tells. */
  readonly emailIndex?: number;
  /** Column index → the standard field it also fills. */
  readonly standard: ReadonlyMap<number, string>;
  /** A file without a header: its first row is data. */
  readonly firstRow?: readonly string[];
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** A file the reader refuses is the user's mistake: a 400 naming the source and the file. */
function refused(error: unknown, label: string, path: string): unknown {
  if (!(error instanceof ImportFileError)) return error;
  const message = `${label}: ${error.message}`;
  return new ValidationError(message, [{ field: path, message }]);
}

async function open(bytes: Uint8Array, options: ReadOptions, label: string, path: string): Promise<OpenedImport> {
  try {
    return await openImport(once(bytes), options);
  } catch (error) {
    throw refused(error, label, path);
  }
}

const looksLikeAddress = (text: string) => text.includes('@') && cleanEmail(text).value !== undefined;

async function layoutOf(bytes: Uint8Array, label: string, path: string): Promise<Layout> {
  const first = await open(bytes, {}, label, path);
  const header = first.header;
  const emailIndex = header.findIndex((h) => first.mapping[h] === 'email');
  if (emailIndex >= 0) {
    const standard = new Map<number, string>();
    header.forEach((h, i) => {
      const field = first.mapping[h];
      if (field && standardNames.has(field)) standard.set(i, field);
    });
    return { header, names: header, emailIndex, standard };
  }
  const addressAt = header.findIndex(looksLikeAddress);
  if (addressAt >= 0) {
    // The reader named empty cells `Column N`; as data they are empty.
    const firstRow = header.map((h, i) => (h === `Column ${i + 1}` ? '' : h));
    return { header, names: header.map((_, i) => `Column ${i + 1}`), emailIndex: addressAt, standard: new Map(), firstRow };
  }
  return { header, names: header, standard: new Map() };
}

/** The first column where most of the sampled cells that are not empty are addresses. */
function guessEmailColumn(samples: readonly (readonly string[])[], width: number): number | undefined {
  for (let i = 0; i < width; i++) {
    const cells = samples.map((values) => (values[i] ?? '').trim()).filter((cell) => cell !== '');
    const addresses = cells.filter(looksLikeAddress).length;
    if (addresses > 0 && addresses * 2 >= cells.length) return i;
  }
  return undefined;
}

function candidateOf(values: readonly string[], emailIndex: number, layout: Layout, view: AudienceView): Candidate {
  const fields: Record<string, unknown> = {};
  const custom: Record<string, string> = {};
  layout.names.forEach((name, i) => {
    const value = (values[i] ?? '').trim();
    if (value === '') return;
    fields[name] = value;
    const standard = layout.standard.get(i);
    if (standard) fields[standard] = value;
    const field = view.customByHeader.get(normaliseHeader(name));
    if (field) custom[field] = value;
  });
  if (Object.keys(custom).length > 0) fields.custom = custom;
  return { address: (values[emailIndex] ?? '').trim(), fields, lookUp: true };
}

/** Candidates from a list file's bytes. `label` names it in errors ("The file members.csv"). */
export async function* tableCandidates(bytes: Uint8Array, label: string, path: string, view: AudienceView): CandidateBatches {
  const layout = await layoutOf(bytes, label, path);
  const { header } = layout;
  // Every column mapped to a "custom field" named as the column: the reader then hands out all of them.
  const opened = await open(
    bytes,
    { mapping: Object.fromEntries(header.map((h) => [h, CUSTOM_PREFIX + h])), customFields: header.map((name) => ({ name })) },
    label,
    path,
  );
  const keys = header.map((h) => CUSTOM_PREFIX + h);

  let emailIndex = layout.emailIndex;
  const waiting: (readonly string[] | undefined)[] = layout.firstRow ? [layout.firstRow] : [];
  let batch: Candidate[] = [];
  const take = (values: readonly string[] | undefined) => {
    // A row the reader could not read (wrong width, bad bytes) is an invalid recipient.
    batch.push(values && emailIndex !== undefined ? candidateOf(values, emailIndex, layout, view) : { address: '', fields: {} });
  };
  const decide = () => {
    emailIndex = guessEmailColumn(waiting.filter((v): v is readonly string[] => v !== undefined), header.length);
    if (emailIndex === undefined) {
      const message = `${label} has no e-mail column: head it Email (or E-mail, Mail, 電子郵件, 信箱 …), or put the addresses in a column of their own`;
      throw new ValidationError(message, [{ field: path, message }]);
    }
  };

  try {
    for await (const row of opened.rows) {
      const values = row.kind === 'row' ? keys.map((key) => row.fields[key] ?? '') : undefined;
      if (emailIndex === undefined) {
        // Held until enough rows show which column holds the addresses.
        waiting.push(values);
        if (waiting.length < sampleRows) continue;
        decide();
        for (const held of waiting.splice(0)) take(held);
      } else {
        for (const held of waiting.splice(0)) take(held);
        take(values);
      }
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    throw refused(error, label, path);
  }
  // A file shorter than the sample: decide on what there is (nothing at all is simply no one).
  if (waiting.some((v) => v !== undefined) && emailIndex === undefined) decide();
  for (const held of waiting.splice(0)) take(held);
  if (batch.length > 0) yield batch;
}
