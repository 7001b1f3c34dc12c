import { ValidationError, type FieldError } from '../../errors';

export type ImportFormat = 'csv' | 'tsv' | 'xlsx';
export type SupportedEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'big5' | 'gb18030' | 'shift_jis';

export interface CustomFieldRef {
  readonly name: string;
  readonly label?: string;
  /** Labels per language, e.g. `{ 'zh-TW': '會員等級', en: 'Tier' }`; all are matched. */
  readonly labels?: Record<string, string>;
}

export interface ReadOptions {
  /** Default: detected (XLSX by its zip magic; TSV vs CSV by delimiter detection). */
  format?: ImportFormat;
  /** Default auto: BOM first, then detection (Big5 preferred when Big5 and GB18030 both fit). */
  encoding?: SupportedEncoding | 'auto';
  /** Default auto: the one of `,` TAB `;` `|` that splits the first lines most consistently. */
  delimiter?: string | 'auto';
  /** Default true; false = `"` is an ordinary character (OMICard's 「不要將 " 當脫逃符號」). */
  quote?: boolean;
  /** Column header -> field name (null = ignore); overrides auto-mapping for the headers it names. */
  mapping?: Record<string, string | null>;
  /** The workspace's custom fields: auto-mapped by name or label, addressed as `custom.<name>`. */
  customFields?: readonly CustomFieldRef[];
  /** XLSX: sheet name, or 1-based position in the workbook. Default: the first sheet. */
  sheet?: string | number;
  /**
   * Default 1 MiB. Longer rows are rejected without being buffered whole. Measured on decoded
   * characters, which never outnumber the encoded bytes, so memory per row stays within 2x this.
   */
  maxRowBytes?: number;
}

/** One data row: field name -> raw cell text ('' when empty or missing); custom fields as `custom.<name>`. */
export interface ImportRow {
  kind: 'row';
  /** 1-based line (CSV/TSV, the first line of a multi-line record) or sheet row (XLSX); the header is row 1. */
  rowNumber: number;
  fields: Record<string, string>;
}

export interface RowReject {
  kind: 'reject';
  rowNumber: number;
  reason: string;
  /** The start of the row as read, at most ~200 characters. */
  raw?: string;
}

export interface OpenedImport {
  detected: { format: ImportFormat; encoding: SupportedEncoding | 'binary'; delimiter?: string };
  /** Column headers as shown to the user: trimmed, empty ones named `Column N`, repeats suffixed ` (2)`. */
  header: string[];
  /** Every header -> field or null (unmapped). */
  mapping: Record<string, string | null>;
  /** Single use; streams the rest of the file. */
  rows: AsyncIterable<ImportRow | RowReject>;
}

export type ImportFileErrorCode =
  | 'empty'
  | 'binary'
  | 'encoding'
  | 'format'
  | 'header'
  | 'mapping'
  | 'sheet'
  | 'xlsx'
  | 'options';

/** The file cannot be read at all (nothing of it should be applied). A 400 problem at the API. */
export class ImportFileError extends ValidationError {
  readonly code: ImportFileErrorCode;
  constructor(code: ImportFileErrorCode, detail: string, errors: readonly FieldError[] = []) {
    super(detail, errors);
    this.code = code;
    // ValidationError's `name` is a literal type; set the runtime name for logs.
    Object.defineProperty(this, 'name', { value: 'ImportFileError' });
  }
}

export const DEFAULT_MAX_ROW_BYTES = 1024 * 1024;
/** Bytes held for detection (encoding, delimiter, format); the only part of a file ever buffered. */
export const SNIFF_BYTES = 64 * 1024;
/** How much of a rejected row is echoed back. */
export const RAW_ECHO_CHARS = 200;
