/**
 * Report snapshots as one workbook, a worksheet per snapshot: title rows, the figures as
 * label / value rows, then each table under a bold header. Cells are typed — numbers as numbers
 * with a number format, times as dates (the report zone's wall time, as Excel has no zones) — so
 * sums, filters and charts work in the spreadsheet. Text is always a string cell formatted as text
 * (`@`): exceljs never turns a string into a formula, and Excel keeps "=1+1" as text even when
 * someone edits the cell. Charts are not drawn: their tables are there.
 */
import ExcelJS from 'exceljs';
import { reportLabel, reportTitle, reportWord } from '../labels';
import type { CellValue, ReportLanguage, ReportSnapshot, ValueFormat } from '../model';
import { defaultReportTimeZone, formatValue, instantOf, numericValue, zonedParts } from './format';

export interface XlsxReportOptions {
  readonly language: ReportLanguage;
  /** For times and hour buckets; Asia/Taipei when absent. */
  readonly timeZone?: string;
}

const numberFormats: Readonly<Partial<Record<ValueFormat, string>>> = {
  count: '#,##0',
  percent: '0.0%',
  ratio: '0.00',
  duration: '[h]:mm:ss',
  time: 'yyyy-mm-dd hh:mm',
  hour: 'mm/dd hh:mm',
  day: 'yyyy-mm-dd',
};
const textFormat = '@';
const msPerDay = 86_400_000;

interface TypedCell {
  readonly value: ExcelJS.CellValue;
  readonly numFmt?: string;
}

/** A Date whose UTC fields are the zone's wall clock: Excel stores dates without a zone. */
function wallClock(date: Date, timeZone: string): Date {
  const p = zonedParts(date, timeZone);
  return new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute));
}

function typedCell(value: CellValue | undefined, format: ValueFormat, timeZone: string): TypedCell {
  if (value === null || value === undefined) return { value: null };
  const asText: TypedCell = { value: String(value), numFmt: textFormat };
  switch (format) {
    case 'count':
    case 'percent':
    case 'ratio': {
      const number = numericValue(value);
      return number === undefined ? asText : { value: number, numFmt: numberFormats[format] };
    }
    case 'duration': {
      const number = numericValue(value);
      return number === undefined ? asText : { value: number / msPerDay, numFmt: numberFormats.duration };
    }
    case 'time':
    case 'hour': {
      const date = instantOf(value);
      return date ? { value: wallClock(date, timeZone), numFmt: numberFormats[format] } : asText;
    }
    case 'day':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? { value: new Date(`${value}T00:00:00Z`), numFmt: numberFormats.day } : asText;
    case 'text':
      return asText;
  }
}

/** Excel's sheet-name rules: ≤ 31 characters, none of []:*?/\, not starting or ending with ', unique ignoring case. */
export function sheetName(title: string, taken: Set<string>): string {
  const clean = Array.from(title.replace(/[[\]:*?/\\]/g, ' ').replace(/\s+/g, ' ').trim().replace(/^'+|'+$/g, ''));
  const base = clean.slice(0, 31).join('').trim() || 'Report';
  let name = base;
  // "History" is reserved by Excel for change tracking.
  for (let n = 2; taken.has(name.toLowerCase()) || name.toLowerCase() === 'history'; n++) {
    const suffix = ` (${n})`;
    name = `${Array.from(base).slice(0, 31 - suffix.length).join('').trimEnd()}${suffix}`;
  }
  taken.add(name.toLowerCase());
  return name;
}

/** Column width in Excel's units (about one Latin character); CJK characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += (char.codePointAt(0) ?? 0) >= 0x2e80 ? 2 : 1;
  return width;
}

function writeSheet(workbook: ExcelJS.Workbook, snapshot: ReportSnapshot, name: string, language: ReportLanguage, timeZone: string): void {
  const sheet = workbook.addWorksheet(name);
  const widths: number[] = [];
  const measure = (column: number, text: string) => {
    widths[column] = Math.max(widths[column] ?? 0, displayWidth(text));
  };
  let rowNumber = 0;
  const nextRow = () => sheet.getRow(++rowNumber);
  const put = (row: ExcelJS.Row, column: number, cell: TypedCell, shown: string) => {
    const target = row.getCell(column);
    target.value = cell.value;
    if (cell.numFmt) target.numFmt = cell.numFmt;
    measure(column, shown);
    return target;
  };
  const textCell = (text: string): TypedCell => ({ value: text, numFmt: textFormat });
  const format = (value: CellValue | undefined, valueFormat: ValueFormat) => formatValue(value, valueFormat, language, { timeZone });

  const title = nextRow().getCell(1);
  title.value = reportTitle(language, snapshot.type);
  title.font = { bold: true, size: 14 };
  const meta: readonly (readonly [string, string])[] = [
    [reportWord(language, 'campaign'), snapshot.campaignName],
    [reportWord(language, 'generatedAt'), `${format(snapshot.generatedAt, 'time')} (${timeZone})`],
    [reportWord(language, 'range'), `${snapshot.range.from} – ${snapshot.range.to}`],
  ];
  for (const [label, value] of meta) {
    const row = nextRow();
    put(row, 1, textCell(label), label).font = { color: { argb: 'FF6B7280' } };
    put(row, 2, textCell(value), value);
  }
  rowNumber++;

  const data = snapshot.data;
  if (data.empty) {
    nextRow().getCell(1).value = reportWord(language, 'empty');
    rowNumber++;
  }

  for (const figure of data.figures) {
    const row = nextRow();
    const label = reportLabel(language, figure.key);
    put(row, 1, textCell(label), label);
    put(row, 2, typedCell(figure.value, figure.format, timeZone), format(figure.value, figure.format));
  }
  if (data.figures.length > 0) rowNumber++;

  for (const table of data.tables) {
    const heading = nextRow().getCell(1);
    heading.value = reportLabel(language, table.key);
    heading.font = { bold: true, size: 12 };
    if (table.truncated) {
      const note = nextRow().getCell(1);
      note.value = reportWord(language, 'truncated');
      note.font = { italic: true, color: { argb: 'FF6B7280' } };
    }
    const header = nextRow();
    table.columns.forEach((column, i) => {
      const label = reportLabel(language, column.key);
      const cell = put(header, i + 1, textCell(label), label);
      cell.font = { bold: true };
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE5EAF1' } };
      cell.border = { bottom: { style: 'thin', color: { argb: 'FF9CA3AF' } } };
    });
    for (const values of table.rows) {
      const row = nextRow();
      table.columns.forEach((column, i) => put(row, i + 1, typedCell(values[column.key], column.format, timeZone), format(values[column.key], column.format)));
    }
    rowNumber++;
  }

  widths.forEach((width, column) => {
    if (width !== undefined) sheet.getColumn(column).width = Math.min(60, Math.max(10, width + 2));
  });
}

export async function renderReportXlsx(snapshots: readonly ReportSnapshot[], options: XlsxReportOptions): Promise<Uint8Array> {
  const timeZone = options.timeZone ?? defaultReportTimeZone;
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Pigeon';
  const taken = new Set<string>();
  for (const snapshot of snapshots) writeSheet(workbook, snapshot, sheetName(reportTitle(options.language, snapshot.type), taken), options.language, timeZone);
  // A workbook must have a sheet to open.
  if (snapshots.length === 0) workbook.addWorksheet('Report').getCell(1, 1).value = reportWord(options.language, 'empty');
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
