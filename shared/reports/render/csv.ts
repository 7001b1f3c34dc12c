/**
 * One report snapshot as CSV: UTF-8 with a BOM (so Excel reads Chinese right), CRLF line ends,
 * RFC 4180 quoting and the formula-injection guard of `csvCell`. Title lines and the figures as
 * "label,value" lines, a blank line, then each table (its label line, header, rows) followed by a
 * blank line.
 *
 * Values read as the report shows them (times in the report's zone, "25.0%", durations), except
 * counts and ratios, which stay plain numbers (no thousands separator) so a spreadsheet or script
 * reads them as numbers; an empty value is an empty cell.
 */
import { reportLabel, reportTitle, reportWord } from '../labels';
import type { CellValue, ReportLanguage, ReportSnapshot, ValueFormat } from '../model';
import { csvCell } from '../../text/csv-cell';
import { defaultReportTimeZone, formatValue, numericValue } from './format';

export interface CsvReportOptions {
  readonly language: ReportLanguage;
  /** For times and hour buckets; Asia/Taipei when absent. */
  readonly timeZone?: string;
}

const bom = '\uFEFF';
const line = (cells: readonly (string | number | null)[]) => `${cells.map(csvCell).join(',')}\r\n`;

function csvValue(value: CellValue | undefined, format: ValueFormat, language: ReportLanguage, timeZone: string): string | number | null {
  if (value === null || value === undefined) return null;
  if (format === 'count' || format === 'ratio') {
    const number = numericValue(value);
    if (number !== undefined) return format === 'ratio' ? Number(number.toFixed(2)) : number;
  }
  return formatValue(value, format, language, { timeZone });
}

export function renderReportCsv(snapshot: ReportSnapshot, options: CsvReportOptions): string {
  const { language } = options;
  const timeZone = options.timeZone ?? defaultReportTimeZone;
  const value = (cell: CellValue | undefined, format: ValueFormat) => csvValue(cell, format, language, timeZone);
  const data = snapshot.data;
  let out = bom;
  out += line([reportTitle(language, snapshot.type)]);
  out += line([reportWord(language, 'campaign'), snapshot.campaignName]);
  out += line([reportWord(language, 'generatedAt'), `${formatValue(snapshot.generatedAt, 'time', language, { timeZone })} (${timeZone})`]);
  out += line([reportWord(language, 'range'), `${snapshot.range.from} – ${snapshot.range.to}`]);
  if (data.empty) out += line([reportWord(language, 'empty')]);
  for (const figure of data.figures) out += line([reportLabel(language, figure.key), value(figure.value, figure.format)]);
  out += '\r\n';
  for (const table of data.tables) {
    out += line([reportLabel(language, table.key)]);
    if (table.truncated) out += line([reportWord(language, 'truncated')]);
    out += line(table.columns.map((column) => reportLabel(language, column.key)));
    for (const row of table.rows) out += line(table.columns.map((column) => value(row[column.key], column.format)));
    out += '\r\n';
  }
  return out;
}
