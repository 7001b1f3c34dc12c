import { RAW_ECHO_CHARS } from './types';

/** A record as split from the text, before the header is applied. */
export type RawRecord =
  | { kind: 'record'; line: number; fields: string[] }
  | { kind: 'bad'; line: number; reason: string; raw: string };

/** A legitimate quoted field spanning more lines than this is not expected in a contact list. */
export const MAX_LINES_PER_RECORD = 100;

const QUOTE = 34;

interface Pending {
  line: number;
  lines: string[];
  chars: number;
  fields: string[];
  cur: string;
  /** Only the state at a line's end matters: a line ends either inside a quoted field or not. */
}

/**
 * Incremental CSV/TSV splitter: feed decoded text in any pieces, get records back. Lines end at
 * CRLF, LF or CR (mixed too). A `"` opens a quoted field only at a field's start; `""` inside is a
 * quote; text after a closing quote is kept as is (lenient, like spreadsheets). Memory is bounded
 * by `maxChars`: a longer line is skipped to its end and reported, never held; a quoted field left
 * open longer than `maxChars` or MAX_LINES_PER_RECORD lines, or at the end of the file, is an
 * unbalanced quote: its first line is rejected and the lines after it are read again as records.
 */
export class DelimitedSplitter {
  private carry = '';
  private skipping = false;
  private skipHead = '';
  private pendingCR = false;
  private lineNo = 0;
  private pending: Pending | undefined;
  private out: RawRecord[] = [];

  constructor(
    private readonly delimiter: string,
    private readonly quote: boolean,
    private readonly maxChars: number,
  ) {
    if (delimiter === '' || delimiter.includes('\n') || delimiter.includes('\r') || (quote && delimiter.includes('"'))) {
      throw new RangeError(`unusable delimiter ${JSON.stringify(delimiter)}`);
    }
  }

  push(text: string): RawRecord[] {
    let i = 0;
    const n = text.length;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (n > 0 && text.charCodeAt(0) === 10) i = 1;
    }
    let nextLF = -2;
    let nextCR = -2;
    while (i < n) {
      if (nextLF !== -1 && nextLF < i) nextLF = text.indexOf('\n', i);
      if (nextCR !== -1 && nextCR < i) nextCR = text.indexOf('\r', i);
      const j = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR);
      if (j === -1) {
        this.extend(text.slice(i));
        break;
      }
      this.endLine(text.slice(i, j));
      if (text.charCodeAt(j) === 13) {
        if (j + 1 < n) {
          if (text.charCodeAt(j + 1) === 10) i = j + 2;
          else i = j + 1;
        } else {
          this.pendingCR = true;
          i = j + 1;
        }
      } else {
        i = j + 1;
      }
    }
    return this.take();
  }

  end(): RawRecord[] {
    if (this.carry !== '' || this.skipping) this.endLine('');
    while (this.pending) this.abandonPending();
    return this.take();
  }

  private take(): RawRecord[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Text without a line end yet: kept while short, else the line is skipped to its end. */
  private extend(piece: string): void {
    if (this.skipping) return;
    this.carry += piece;
    if (this.carry.length > this.maxChars) {
      this.skipping = true;
      this.skipHead = this.carry.slice(0, RAW_ECHO_CHARS);
      this.carry = '';
    }
  }

  private endLine(piece: string): void {
    this.lineNo++;
    if (this.skipping) {
      this.skipping = false;
      this.overlong(this.lineNo, this.skipHead);
      this.skipHead = '';
      return;
    }
    const line = this.carry === '' ? piece : this.carry + piece;
    this.carry = '';
    if (line.length > this.maxChars) this.overlong(this.lineNo, line.slice(0, RAW_ECHO_CHARS));
    else this.line(line, this.lineNo);
  }

  private overlong(line: number, head: string): void {
    // A too-long line inside an open quoted field means the quote was never closed.
    while (this.pending) this.abandonPending();
    this.out.push({ kind: 'bad', line, reason: `Row is longer than the limit of ${this.maxChars} characters`, raw: head });
  }

  private line(line: string, lineNo: number): void {
    const p = this.pending;
    if (p) {
      p.lines.push(line);
      p.chars += line.length + 1;
      p.cur += '\n';
      if (p.chars > this.maxChars || p.lines.length > MAX_LINES_PER_RECORD) {
        this.abandonPending();
        return;
      }
      if (!this.parse(p, line)) return;
      this.pending = undefined;
      this.out.push({ kind: 'record', line: p.line, fields: p.fields });
      return;
    }
    if (!this.quote || line.indexOf('"') === -1) {
      this.out.push({ kind: 'record', line: lineNo, fields: line.split(this.delimiter) });
      return;
    }
    const state: Pending = { line: lineNo, lines: [line], chars: line.length, fields: [], cur: '' };
    if (this.parse(state, line, true)) this.out.push({ kind: 'record', line: lineNo, fields: state.fields });
    else this.pending = state;
  }

  /** Rejects the first line of an unclosed quoted field and reads the lines after it again. */
  private abandonPending(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const first = p.lines[0] ?? '';
    this.out.push({
      kind: 'bad',
      line: p.line,
      reason: 'Unbalanced quote: a quoted field opened on this row is never closed (if " is an ordinary character in this file, import with quote handling off)',
      raw: first.slice(0, RAW_ECHO_CHARS),
    });
    for (let k = 1; k < p.lines.length; k++) this.line(p.lines[k] ?? '', p.line + k);
  }

  /**
   * Splits one line into `state`, continuing an open quoted field when `fresh` is false.
   * Returns true when the record is complete (the line does not end inside quotes).
   */
  private parse(state: Pending, line: string, fresh = false): boolean {
    const d = this.delimiter;
    const n = line.length;
    let i = 0;
    let inQuote = !fresh;
    let atStart = fresh;
    for (;;) {
      if (inQuote) {
        const q = line.indexOf('"', i);
        if (q === -1) {
          state.cur += line.slice(i);
          return false;
        }
        state.cur += line.slice(i, q);
        if (line.charCodeAt(q + 1) === QUOTE) {
          state.cur += '"';
          i = q + 2;
          continue;
        }
        inQuote = false;
        i = q + 1;
      } else if (atStart && line.charCodeAt(i) === QUOTE) {
        inQuote = true;
        atStart = false;
        i++;
        continue;
      }
      const next = line.indexOf(d, i);
      if (next === -1) {
        state.cur += line.slice(i);
        state.fields.push(state.cur);
        state.cur = '';
        return true;
      }
      state.cur += line.slice(i, next);
      state.fields.push(state.cur);
      state.cur = '';
      i = next + d.length;
      atStart = true;
      if (i >= n) {
        state.fields.push('');
        return true;
      }
    }
  }
}

/** Fields per line for the first lines of a sample, for delimiter detection. */
export function fieldCounts(sample: string, delimiter: string, quote: boolean, maxLines = 50): number[] {
  const splitter = new DelimitedSplitter(delimiter, quote, Number.MAX_SAFE_INTEGER);
  const records = splitter.push(sample);
  // The sample's last line may be cut off; leave it out unless it is the only one.
  const complete = records.length > 1 ? records : [...records, ...splitter.end()];
  return complete
    .filter((r): r is Extract<RawRecord, { kind: 'record' }> => r.kind === 'record')
    .filter((r) => r.fields.some((f) => f.trim() !== ''))
    .slice(0, maxLines)
    .map((r) => r.fields.length);
}

const CANDIDATES = [',', '\t', ';', '|'];

/**
 * The candidate that splits the header into 2+ fields and the most lines into as many fields as
 * the header; ties go to more fields, then to the order `,` TAB `;` `|`. No candidate: `,`.
 */
export function detectDelimiter(sample: string, quote: boolean, candidates = CANDIDATES): string {
  let best: { d: string; agree: number; width: number } | undefined;
  for (const d of candidates) {
    const counts = fieldCounts(sample, d, quote);
    const width = counts[0] ?? 0;
    if (width < 2) continue;
    const agree = counts.filter((c) => c === width).length / counts.length;
    if (!best || agree > best.agree || (agree === best.agree && width > best.width)) best = { d, agree, width };
  }
  return best?.d ?? ',';
}
