/**
 * How a report value reads on the page (PDF, console, CSV). Pure and free of Node imports: the
 * console imports it too. Numbers group thousands; times show in the report's time zone (the
 * lake stores UTC); `null` is a dash so an empty cell is visibly empty, not zero.
 */
import type { CellValue, ReportLanguage, ValueFormat } from '../model';

export const defaultReportTimeZone = 'Asia/Taipei';

export interface FormatOptions {
  /** IANA zone for `time` and `hour` values; Asia/Taipei when absent. */
  readonly timeZone?: string;
}

const empty = '—';
const locales: Readonly<Record<ReportLanguage, string>> = { 'zh-TW': 'zh-TW', en: 'en-US' };

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(language: ReportLanguage, kind: 'count' | 'percent' | 'ratio'): Intl.NumberFormat {
  const id = `${language}|${kind}`;
  let format = numberFormats.get(id);
  if (!format) {
    const options: Intl.NumberFormatOptions =
      kind === 'count'
        ? { maximumFractionDigits: 0 }
        : kind === 'percent'
          ? { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }
          : { minimumFractionDigits: 2, maximumFractionDigits: 2 };
    format = new Intl.NumberFormat(locales[language], options);
    numberFormats.set(id, format);
  }
  return format;
}

/** A number from a cell; query engines sometimes hand numbers back as strings. */
export function numericValue(value: CellValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    if (Number.isFinite(number)) return number;
  }
  return undefined;
}

export interface ZonedParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

const partFormats = new Map<string, Intl.DateTimeFormat>();
/** Wall-clock parts of an instant in a zone (`hourCycle: h23`, so midnight is 00, never 24). */
export function zonedParts(date: Date, timeZone: string = defaultReportTimeZone): ZonedParts {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    partFormats.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(date)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0, hour: parts.hour ?? 0, minute: parts.minute ?? 0 };
}

/** An instant from an ISO string, an epoch number or an hour bucket (`2026-11-29T08`, UTC). */
export function instantOf(value: CellValue | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const text = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}$/.test(value) ? `${value}:00:00Z` : value;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const pad = (n: number) => String(n).padStart(2, '0');

const durationUnits: Readonly<Record<ReportLanguage, { d: string; h: string; min: string; s: string; ms: string }>> = {
  'zh-TW': { d: '天', h: '小時', min: '分', s: '秒', ms: '毫秒' },
  en: { d: 'd', h: 'h', min: 'min', s: 's', ms: 'ms' },
};

/** Milliseconds in the two largest units that matter: "1 h 02 min", "3 min 05 s", "12 s". */
export function formatDuration(ms: number, language: ReportLanguage): string {
  const unit = durationUnits[language];
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ${unit.ms}`;
  const seconds = Math.round(abs / 1000);
  const [d, h, m, s] = [Math.floor(seconds / 86400), Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60];
  if (d > 0) return `${sign}${d} ${unit.d} ${pad(h)} ${unit.h}`;
  if (h > 0) return `${sign}${h} ${unit.h} ${pad(m)} ${unit.min}`;
  if (m > 0) return `${sign}${m} ${unit.min} ${pad(s)} ${unit.s}`;
  return `${sign}${s} ${unit.s}`;
}

/** One value as text. A value that does not fit its format (a stray string) is shown as is. */
export function formatValue(value: CellValue | undefined, format: ValueFormat, language: ReportLanguage, options: FormatOptions = {}): string {
  if (value === null || value === undefined) return empty;
  switch (format) {
    case 'count':
    case 'percent':
    case 'ratio': {
      const number = numericValue(value);
      return number === undefined ? String(value) : numberFormat(language, format).format(number);
    }
    case 'duration': {
      const number = numericValue(value);
      return number === undefined ? String(value) : formatDuration(number, language);
    }
    case 'time': {
      const date = instantOf(value);
      if (!date) return String(value);
      const p = zonedParts(date, options.timeZone);
      return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
    }
    case 'hour': {
      const date = instantOf(value);
      if (!date) return String(value);
      const p = zonedParts(date, options.timeZone);
      return `${pad(p.month)}/${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
    }
    case 'day':
    case 'text':
      return String(value);
  }
}
