/**
 * Reading half of contact imports: bytes in (any async byte stream, e.g. an S3 body), mapped text
 * rows out. Detects format, encoding and delimiter from a bounded prefix, maps headers to contact
 * fields, and streams rows so memory stays flat however large the file. Cleaning (e-mail fixes,
 * phones, duplicates) is shared/imports/clean's job; this module only splits and maps.
 */
import { DelimitedSplitter, detectDelimiter, type RawRecord } from './delimited';
import {
  countReplacements,
  createDecoder,
  decodePrefix,
  encodingLabel,
  looksBinary,
  sniffEncoding,
} from './encoding';
import { buildMapping, headerNames } from './mapping';
import {
  DEFAULT_MAX_ROW_BYTES,
  ImportFileError,
  RAW_ECHO_CHARS,
  SNIFF_BYTES,
  type ImportFormat,
  type ImportRow,
  type OpenedImport,
  type ReadOptions,
  type RowReject,
  type SupportedEncoding,
} from './types';
import { xlsxRecords } from './xlsx';

export * from './types';
export { buildMapping, importFields, normaliseHeader, CUSTOM_PREFIX, type ImportField } from './mapping';
export { cellText } from './xlsx';

const ENCODINGS: readonly SupportedEncoding[] = ['utf-8', 'utf-16le', 'utf-16be', 'big5', 'gb18030', 'shift_jis'];

export async function openImport(source: AsyncIterable<Uint8Array>, options: ReadOptions = {}): Promise<OpenedImport> {
  const maxChars = options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES;
  checkOptions(options, maxChars);
  const { prefix, complete, stream } = await peek(source, SNIFF_BYTES);
  if (prefix.length === 0) throw new ImportFileError('empty', 'The file is empty.');

  const zip = prefix[0] === 0x50 && prefix[1] === 0x4b && prefix[2] === 0x03 && prefix[3] === 0x04;
  const ole = prefix[0] === 0xd0 && prefix[1] === 0xcf && prefix[2] === 0x11 && prefix[3] === 0xe0;
  if (ole) {
    throw new ImportFileError('format', 'This is an old-style Excel (.xls) or other Office binary file; save it as .xlsx or CSV and upload that.');
  }
  if (options.format === 'xlsx' && !zip) {
    throw new ImportFileError('format', 'The file is not an XLSX workbook; choose CSV or TSV, or let the format be detected.');
  }
  if (zip) {
    if (options.format && options.format !== 'xlsx') {
      throw new ImportFileError('format', `The file is an XLSX workbook (or another zip archive), not ${options.format.toUpperCase()}; choose XLSX.`);
    }
    const records = xlsxRecords(stream, options.sheet, maxChars);
    return opened(records, { format: 'xlsx', encoding: 'binary' }, options);
  }
  if (prefix[0] === 0x1f && prefix[1] === 0x8b) {
    throw new ImportFileError('format', 'The file is compressed (gzip); upload the CSV itself.');
  }

  const encoding = chooseEncoding(prefix, complete, options.encoding);
  const sample = decodePrefix(prefix, encoding, complete);
  const quote = options.quote ?? true;
  let delimiter: string;
  if (options.delimiter !== undefined && options.delimiter !== 'auto') delimiter = options.delimiter;
  else if (options.format === 'tsv') delimiter = '\t';
  else delimiter = detectDelimiter(sample, quote);
  const format: ImportFormat = options.format ?? (delimiter === '\t' ? 'tsv' : 'csv');

  const records = delimitedRecords(stream, encoding, delimiter, quote, maxChars);
  return opened(records, { format, encoding, delimiter }, options);
}

function checkOptions(options: ReadOptions, maxChars: number): void {
  const bad = (field: string, message: string): never => {
    throw new ImportFileError('options', `Invalid import option ${field}: ${message}.`, [{ field, message }]);
  };
  if (!Number.isInteger(maxChars) || maxChars < 1) bad('maxRowBytes', 'must be a positive integer');
  if (options.format !== undefined && !['csv', 'tsv', 'xlsx'].includes(options.format)) bad('format', 'must be csv, tsv or xlsx');
  if (options.encoding !== undefined && options.encoding !== 'auto' && !ENCODINGS.includes(options.encoding)) {
    bad('encoding', `must be auto or one of ${ENCODINGS.join(', ')}`);
  }
  const d = options.delimiter;
  if (d !== undefined && d !== 'auto' && (d === '' || /[\r\n]/.test(d) || ((options.quote ?? true) && d.includes('"')))) {
    bad('delimiter', 'must be non-empty, without line breaks, and not " while quotes are on');
  }
  const s = options.sheet;
  if (s !== undefined && (typeof s === 'number' ? !Number.isInteger(s) || s < 1 : s.trim() === '')) bad('sheet', 'must be a sheet name or a 1-based position');
}

/** The user's encoding, checked against the bytes; else the detected one. */
function chooseEncoding(prefix: Uint8Array, complete: boolean, wanted: ReadOptions['encoding']): SupportedEncoding {
  const sniffed = sniffEncoding(prefix, complete);
  if ('binary' in sniffed) {
    throw new ImportFileError('binary', `The file is not a text/CSV file (it contains ${sniffed.binary}). Upload CSV, TSV or XLSX.`);
  }
  if (wanted === undefined || wanted === 'auto') return sniffed.encoding;
  const text = decodePrefix(prefix, wanted, complete);
  const broken = countReplacements(text) > 0 || looksBinary(text);
  if (broken && sniffed.encoding !== wanted) {
    throw new ImportFileError(
      'encoding',
      `The file is not valid ${encodingLabel[wanted]} text; it looks like ${encodingLabel[sniffed.encoding]}. Choose ${encodingLabel[sniffed.encoding]} or automatic detection.`,
      [{ field: 'encoding', message: `likely ${sniffed.encoding}` }],
    );
  }
  return wanted;
}

async function* delimitedRecords(
  bytes: AsyncIterable<Uint8Array>,
  encoding: SupportedEncoding,
  delimiter: string,
  quote: boolean,
  maxChars: number,
): AsyncGenerator<RawRecord[]> {
  const decoder = createDecoder(encoding);
  const splitter = new DelimitedSplitter(delimiter, quote, maxChars);
  const badText = `Row contains bytes that are not valid ${encodingLabel[encoding]} (is the file in another encoding?)`;
  const check = (records: RawRecord[]): RawRecord[] => {
    for (let k = 0; k < records.length; k++) {
      const r = records[k];
      if (r?.kind === 'record' && r.fields.some((f) => f.includes('\uFFFD'))) {
        records[k] = { kind: 'bad', line: r.line, reason: badText, raw: r.fields.join(delimiter).slice(0, RAW_ECHO_CHARS) };
      }
    }
    return records;
  };
  for await (const chunk of bytes) {
    const text = decoder.write(chunk);
    if (text !== '') {
      const records = splitter.push(text);
      if (records.length > 0) yield check(records);
    }
  }
  const tail = decoder.end();
  const records = [...(tail === '' ? [] : splitter.push(tail)), ...splitter.end()];
  if (records.length > 0) yield check(records);
}

const isBlank = (fields: readonly string[]): boolean => fields.every((f) => f.trim() === '');

async function opened(
  batches: AsyncGenerator<RawRecord[]>,
  detected: OpenedImport['detected'],
  options: ReadOptions,
): Promise<OpenedImport> {
  // The header: the first non-blank record.
  let queue: RawRecord[] = [];
  let at = 0;
  let headerRecord: Extract<RawRecord, { kind: 'record' }> | undefined;
  try {
    while (!headerRecord) {
      if (at >= queue.length) {
        const next = await batches.next();
        if (next.done) break;
        queue = next.value;
        at = 0;
        continue;
      }
      const r = queue[at++] as RawRecord;
      if (r.kind === 'bad') throw new ImportFileError('header', `The header row (row ${r.line}) cannot be read: ${r.reason}.`);
      if (!isBlank(r.fields)) headerRecord = r;
    }
  } catch (error) {
    await batches.return(undefined).catch(() => undefined);
    throw error;
  }
  if (!headerRecord) throw new ImportFileError('empty', 'The file is empty: it has no header row.');
  if (headerRecord.fields.some((f) => f.includes('\uFFFD'))) {
    await batches.return(undefined);
    throw new ImportFileError('encoding', `The header row has bytes that are not valid ${detected.encoding === 'binary' ? 'text' : encodingLabel[detected.encoding]}; choose the file's encoding.`);
  }
  // Trailing empty header cells (spreadsheet leftovers) are dropped: they name no column.
  const cells = [...headerRecord.fields];
  while (cells.length > 1 && (cells[cells.length - 1] ?? '').trim() === '') cells.pop();
  const header = headerNames(cells);
  let mapping: Record<string, string | null>;
  try {
    mapping = buildMapping(header, options.mapping, options.customFields);
  } catch (error) {
    await batches.return(undefined);
    throw error;
  }
  const targets: [number, string][] = [];
  header.forEach((h, i) => {
    const field = mapping[h];
    if (field) targets.push([i, field]);
  });
  const width = header.length;
  const leftover = queue.slice(at);

  const toRow = (r: RawRecord): ImportRow | RowReject | undefined => {
    if (r.kind === 'bad') return { kind: 'reject', rowNumber: r.line, reason: r.reason, raw: r.raw };
    const f = r.fields;
    if (isBlank(f)) return undefined;
    if (f.length > width) {
      // Extra cells are accepted only when empty (a trailing delimiter, spreadsheet leftovers).
      for (let k = width; k < f.length; k++) {
        if ((f[k] ?? '').trim() !== '') {
          return { kind: 'reject', rowNumber: r.line, reason: `Row has ${f.length} fields but the header has ${width}`, raw: f.join(detected.delimiter ?? '\t').slice(0, RAW_ECHO_CHARS) };
        }
      }
    }
    const fields: Record<string, string> = {};
    for (const [i, field] of targets) fields[field] = f[i] ?? ''; // missing trailing cells are empty
    return { kind: 'row', rowNumber: r.line, fields };
  };

  async function* rows(): AsyncGenerator<ImportRow | RowReject> {
    for (const r of leftover) {
      const out = toRow(r);
      if (out) yield out;
    }
    for await (const batch of batches) {
      for (const r of batch) {
        const out = toRow(r);
        if (out) yield out;
      }
    }
  }

  return { detected, header, mapping, rows: rows() };
}

/**
 * Reads at least `size` bytes (or the whole file if smaller) for detection, and returns a stream
 * that replays them followed by the rest of the source.
 */
async function peek(
  source: AsyncIterable<Uint8Array>,
  size: number,
): Promise<{ prefix: Uint8Array; complete: boolean; stream: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let total = 0;
  let complete = false;
  while (total < size) {
    const next = await iterator.next();
    if (next.done) {
      complete = true;
      break;
    }
    if (next.value.length === 0) continue;
    head.push(next.value);
    total += next.value.length;
  }
  const prefix = new Uint8Array(Math.min(total, size));
  let offset = 0;
  for (const chunk of head) {
    if (offset >= prefix.length) break;
    const part = chunk.subarray(0, prefix.length - offset);
    prefix.set(part, offset);
    offset += part.length;
  }
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      while (head.length > 0) yield head.shift() as Uint8Array;
      if (complete) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      if (!complete) await iterator.return?.();
    }
  }
  return { prefix, complete: complete && total <= size, stream: replay() };
}
