import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ImportFileError, RAW_ECHO_CHARS } from './types';
import type { RawRecord } from './delimited';

/**
 * Streams the rows of one sheet of an XLSX workbook as text records (exceljs' streaming reader;
 * the workbook is never loaded whole; shared strings are cached, as XLSX requires). Sheets before
 * the chosen one are read through and dropped; reading stops after it.
 */
export async function* xlsxRecords(
  bytes: AsyncIterable<Uint8Array>,
  sheet: string | number | undefined,
  maxChars: number,
): AsyncGenerator<RawRecord[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(bytes), {
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell dates from numbers
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  decodeXmlAsUtf8Stream(reader);
  const seen: string[] = [];
  let position = 0;
  try {
    for await (const worksheet of reader) {
      position++;
      const name = (worksheet as unknown as { name?: string }).name ?? `Sheet${position}`;
      seen.push(name);
      const chosen =
        sheet === undefined ? position === 1 : typeof sheet === 'number' ? position === sheet : name === sheet || name.trim().toLowerCase() === sheet.trim().toLowerCase();
      let batch: RawRecord[] = [];
      for await (const row of worksheet) {
        if (!chosen) continue; // drain: the zip entry must be read to reach the next one
        batch.push(rowRecord(row.number, row.values, maxChars));
        if (batch.length >= 256) {
          yield batch;
          batch = [];
        }
      }
      if (chosen) {
        if (batch.length > 0) yield batch;
        return;
      }
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError('xlsx', `The file is not a readable XLSX workbook (${(error as Error).message}).`);
  }
  if (position === 0) throw new ImportFileError('xlsx', 'The XLSX workbook has no worksheets.');
  throw new ImportFileError('sheet', `The workbook has no sheet ${typeof sheet === 'number' ? `number ${sheet}` : `"${sheet}"`}; its sheets: ${seen.map((s) => `"${s}"`).join(', ')}.`);
}

function rowRecord(rowNumber: number, values: unknown, maxChars: number): RawRecord {
  const cells = Array.isArray(values) ? values : [];
  const fields: string[] = [];
  let chars = 0;
  // exceljs rows are 1-based sparse arrays.
  for (let c = 1; c < cells.length; c++) {
    const text = cellText(cells[c]);
    chars += text.length;
    fields.push(text);
  }
  if (chars > maxChars) {
    return { kind: 'bad', line: rowNumber, reason: `Row is longer than the limit of ${maxChars} characters`, raw: fields.join('\t').slice(0, RAW_ECHO_CHARS) };
  }
  return { kind: 'record', line: rowNumber, fields };
}

/** A cell as the text a user sees: dates YYYY-MM-DD, numbers without float noise, rich text joined. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return dateText(value);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return (v.richText as { text?: unknown }[]).map((r) => String(r.text ?? '')).join('');
    if ('result' in v) return cellText(v.result); // formula: its cached result
    if ('formula' in v || 'sharedFormula' in v) return '';
    if ('text' in v) return cellText(v.text); // hyperlink
    if ('error' in v) return String(v.error);
  }
  return String(value);
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) return '';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // Excel keeps 15 significant digits: 0.1 + 0.2 shows as 0.3.
  return String(Number(n.toPrecision(15)));
}

/** exceljs gives the cell's wall-clock time as UTC; a time is added only when there is one. */
function dateText(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString();
  const time = iso.slice(11, 19);
  return time === '00:00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${time}`;
}

/**
 * exceljs 4.4's streaming reader decodes each zip-entry chunk to text on its own
 * (utils/parse-sax.js), so a CJK character split between two inflated chunks (every 16 KiB of a
 * sheet or of the shared strings) becomes U+FFFD. Its reader methods accept already-decoded text,
 * so each XML entry is handed to them through a stateful UTF-8 decoder instead. These are exceljs
 * internals: a version that renames them fails here loudly (and the CJK XLSX test guards the fix).
 */
type EntryParser = (this: unknown, entry: unknown, ...rest: unknown[]) => unknown;
const XML_ENTRY_PARSERS = ['_parseRels', '_parseWorkbook', '_parseSharedStrings', '_parseStyles', '_parseWorksheet'] as const;

function decodeXmlAsUtf8Stream(reader: object): void {
  const proto = Object.getPrototypeOf(reader) as Record<string, EntryParser | undefined>;
  const target = reader as Record<string, EntryParser>;
  for (const method of XML_ENTRY_PARSERS) {
    const original = proto[method];
    if (typeof original !== 'function') throw new Error(`exceljs changed: WorkbookReader.${method} is missing`);
    // _parseWorksheet takes an async iterable of chunks; the others take the entry stream itself.
    target[method] =
      method === '_parseWorksheet'
        ? function (this: unknown, iterator: unknown, ...rest: unknown[]) {
            return original.call(this, utf8Text(iterator), ...rest);
          }
        : function (this: unknown, entry: unknown, ...rest: unknown[]) {
            return original.call(this, Readable.from(utf8Text(entry)), ...rest);
          };
  }
}

async function* utf8Text(source: unknown): AsyncGenerator<string> {
  const iterable: AsyncIterable<Uint8Array | string> =
    typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
      ? (source as AsyncIterable<Uint8Array | string>)
      : (source as NodeJS.ReadableStream).pipe(new PassThrough()); // readable-stream v2: no async iterator
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of iterable) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (text !== '') yield text;
  }
  const tail = decoder.decode();
  if (tail !== '') yield tail;
}
