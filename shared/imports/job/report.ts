import { csvCell } from '../../text/csv-cell.js';

/**
 * The import report: a UTF-8 CSV with a BOM (so Excel opens Chinese text correctly), one line per
 * finding: row number, outcome, field, original, corrected, reason. Rows go out in parts (one per
 * checkpoint, see worker.ts); the final file is the header plus the parts in row order, streamed.
 */
export interface ReportLine {
  readonly row: number;
  /** rejected | corrected | filtered | duplicate | new | present | different | created | updated | skipped */
  readonly outcome: string;
  readonly field?: string;
  readonly original?: string;
  readonly corrected?: string;
  readonly reason?: string;
}

export const reportHeader = 'row,outcome,field,original,corrected,reason\r\n';
export const utf8Bom = '\uFEFF';

export { csvCell };

export function csvLine(line: ReportLine): string {
  return [String(line.row), line.outcome, line.field ?? '', line.original ?? '', line.corrected ?? '', line.reason ?? ''].map(csvCell).join(',') + '\r\n';
}

/** Lines of one part in row order (stable: a row's lines keep the order they were found in). */
export function renderPart(lines: readonly ReportLine[]): string {
  return [...lines].sort((a, b) => a.row - b.row).map(csvLine).join('');
}
