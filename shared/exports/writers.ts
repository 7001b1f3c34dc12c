/**
 * Columns and file writers. CSV: UTF-8 with a BOM (Excel then reads Chinese correctly), CRLF
 * rows, RFC 4180 quoting, and cells that a spreadsheet would run as a formula (starting with
 * = + - @, tab or CR) prefixed with ' (OWASP CSV injection). XLSX: exceljs' streaming writer,
 * every value a typed cell (text is never a formula there). Both stream into a FileSink.
 */
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { contactFields } from '../contacts/contact';
import type { CustomFieldDefinition, Definitions } from '../contacts/definitions';
import { ValidationError, type FieldError } from '../errors';
import type { ContactRecord } from '../segments/evaluate';
import type { ExportFormat } from './model';
import type { FileSink } from './ports';
import { csvCell } from '../text/csv-cell.js';

/** Standard columns, in file order. */
export const standardColumns: readonly string[] = [
  'id',
  ...contactFields.filter((f) => f !== 'departmentId'),
  'tags',
  'status',
  'score',
  'groups',
  'categories',
  'departmentId',
  'createdAt',
  'updatedAt',
];

export interface Column {
  readonly key: string;
  readonly header: string;
  readonly value: (contact: ContactRecord) => string | number | boolean | undefined;
}

const joinList = (values: readonly unknown[]) => values.map(String).join('; ');

/** Column keys asked for → errors naming each unknown one (`fields.2`). */
export function checkColumns(fields: readonly string[], definitions: Definitions): FieldError[] {
  const errors: FieldError[] = [];
  fields.forEach((key, i) => {
    if (standardColumns.includes(key)) return;
    if (key.startsWith('custom.') && definitions.fields.some((f) => `custom.${f.name}` === key)) return;
    errors.push({ field: `fields.${i}`, message: `Not a contact field: ${key}` });
  });
  if (new Set(fields).size !== fields.length) errors.push({ field: 'fields', message: 'Each field once' });
  return errors;
}

export function defaultColumns(definitions: Definitions): string[] {
  return [...standardColumns, ...definitions.fields.map((f) => `custom.${f.name}`)];
}

export function assertColumns(fields: readonly string[], definitions: Definitions): void {
  const errors = checkColumns(fields, definitions);
  if (errors.length > 0) throw new ValidationError(`Invalid ${errors.map((e) => e.field).join(', ')}`, errors);
}

const labelOf = (field: CustomFieldDefinition) => field.label['zh-TW'] ?? field.label.en ?? field.name;

/**
 * Column keys → headers and value readers over stored contacts (custom values by field id; group
 * and category ids shown as names). A custom field deleted since the export was asked for
 * becomes an empty column under its name.
 */
export function columnsOf(fields: readonly string[], definitions: Definitions): Column[] {
  const groupNames = new Map(definitions.groups.map((g) => [g.id, g.name]));
  const categoryNames = new Map(definitions.categories.map((c) => [c.id, c.name]));
  return fields.map((key): Column => {
    if (key.startsWith('custom.')) {
      const field = definitions.fields.find((f) => `custom.${f.name}` === key);
      if (!field) return { key, header: key, value: () => undefined };
      return {
        key,
        header: `${key} ${labelOf(field)}`,
        value: (c) => {
          const value = (c.custom as Record<string, unknown> | undefined)?.[field.id];
          return Array.isArray(value) ? joinList(value) : (value as string | number | boolean | undefined);
        },
      };
    }
    switch (key) {
      case 'tags':
        return { key, header: key, value: (c) => joinList((c.tags as string[] | undefined) ?? []) };
      case 'groups':
        return { key, header: key, value: (c) => joinList(((c.groups as string[] | undefined) ?? []).flatMap((id) => groupNames.get(id) ?? [])) };
      case 'categories':
        return {
          key,
          header: key,
          value: (c) =>
            joinList(
              Object.entries((c.subscriptions as Record<string, string> | undefined) ?? {})
                .filter(([id, state]) => state === 'subscribed' && categoryNames.has(id))
                .map(([id]) => categoryNames.get(id)),
            ),
        };
      case 'score':
        return { key, header: key, value: (c) => (typeof c.score === 'number' ? c.score : 0) };
      default:
        return { key, header: key, value: (c) => c[key] as string | number | undefined };
    }
  });
}

// ---- CSV -----------------------------------------------------------------------------------------

export { csvCell };

export const csvRow = (cells: readonly (string | number | boolean | undefined)[]): string => `${cells.map(csvCell).join(',')}\r\n`;

export interface RowWriter {
  write(cells: readonly (string | number | boolean | undefined)[]): Promise<void>;
  /** Finishes the file (the sink's object appears). */
  end(): Promise<void>;
  abort(): Promise<void>;
}

const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
const flushBytes = 256 * 1024;

class CsvWriter implements RowWriter {
  private buffered: string[] = [];
  private size = 0;
  private readonly encoder = new TextEncoder();

  constructor(private readonly sink: FileSink) {}

  async start(header: readonly string[]): Promise<void> {
    await this.sink.write(bom);
    await this.write(header);
  }

  async write(cells: readonly (string | number | boolean | undefined)[]): Promise<void> {
    const line = csvRow(cells);
    this.buffered.push(line);
    this.size += line.length;
    if (this.size >= flushBytes) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffered.length === 0) return;
    const chunk = this.encoder.encode(this.buffered.join(''));
    this.buffered = [];
    this.size = 0;
    await this.sink.write(chunk);
  }

  async end(): Promise<void> {
    await this.flush();
    await this.sink.end();
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }
}

// ---- XLSX ----------------------------------------------------------------------------------------

/** Bytes the zip stream may hold before rows wait for the upload to catch up. */
const xlsxHighWater = 8 * 1024 * 1024;

class XlsxWriter implements RowWriter {
  private readonly stream = new PassThrough({ highWaterMark: xlsxHighWater });
  private readonly workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: this.stream, useStyles: false, useSharedStrings: false });
  private readonly sheet = this.workbook.addWorksheet('Contacts');
  private readonly pumped: Promise<void>;
  private failed?: unknown;

  constructor(private readonly sink: FileSink) {
    this.pumped = (async () => {
      for await (const chunk of this.stream) await sink.write(chunk as Uint8Array);
    })().catch((error: unknown) => {
      this.failed = error;
      this.stream.destroy();
    });
  }

  async start(header: readonly string[]): Promise<void> {
    await this.write(header);
  }

  async write(cells: readonly (string | number | boolean | undefined)[]): Promise<void> {
    if (this.failed) throw this.failed;
    this.sheet.addRow(cells.map((c) => (c === undefined ? null : c))).commit();
    // Back-pressure: let the upload drain the zip output before more rows are added.
    if (this.stream.writableLength > xlsxHighWater) await new Promise((resolve) => this.stream.once('drain', resolve));
  }

  async end(): Promise<void> {
    this.sheet.commit();
    await this.workbook.commit();
    await this.pumped;
    if (this.failed) throw this.failed;
    await this.sink.end();
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await this.pumped.catch(() => undefined);
    await this.sink.abort();
  }
}

export const contentTypes: Readonly<Record<ExportFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** A writer for one file, its header row already written. */
export async function openRowWriter(format: ExportFormat, sink: FileSink, header: readonly string[]): Promise<RowWriter> {
  const writer = format === 'csv' ? new CsvWriter(sink) : new XlsxWriter(sink);
  await writer.start(header);
  return writer;
}
