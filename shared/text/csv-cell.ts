/**
 * One CSV cell for files people open in a spreadsheet.
 *
 * A cell a spreadsheet would run as a formula (starting with = + - @, tab or CR; OWASP "CSV
 * injection") gets a leading apostrophe — except a plain number or phone number such as
 * `+886912345678` or `-12.5`, which would otherwise be mangled for every E.164 mobile. Only
 * digits, spaces and `( ) . -` may follow the sign for that exemption, so `-2+3+cmd|…` is still
 * guarded. Quoted when it holds a delimiter, quote or line break (RFC 4180).
 */
export function csvCell(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && formulaStart.test(text) && !plainNumber.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const formulaStart = /^[=+\-@\t\r]/;
const plainNumber = /^[+-]\d[\d ().-]*$/;
